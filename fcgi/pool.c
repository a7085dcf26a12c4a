/* pool: the master — takes or opens the socket, forks workers, replaces them, drains on SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fcgi/fcgi.h"
#include "fcgi/scoreboard.h"

#define MAX_WORKERS 256

struct slot {
	pid_t pid; /* 0 = empty */
	int generation;
	time_t started;
	int killed;   /* by the watchdog: its death is no crash */
	int retiring; /* max_requests reached: its successor is forked */
};

struct pool {
	const struct pool_app *app; /* what the workers serve (the caller's) */
	struct config *cfg;
	struct config *reloaded; /* owned: the configuration read on the last SIGHUP */
	const char *cfg_path;
	int listen_fd;
	int owns_socket;       /* we made listen_fd's file (else a parent passed the socket) */
	struct scoreboard *sb; /* the workers' counters (NULL: off, or none could be mapped) */
	struct guard guard;    /* the crash-loop guard */
	struct status_server *status; /* status_listen (NULL: none) */
	struct status_view view;      /* what it shows */
	double hold_until;            /* no fork before (a worker that died at once) */
	int generation;
	int nworkers;
	struct slot slots[2 * MAX_WORKERS]; /* room for two generations during SIGHUP */
};

static int worker_count(const struct config *cfg)
{
	if (cfg->workers > 0)
		return cfg->workers;
	/* Two per core: a worker waits for MariaDB during most of a request, and
	 * on 2 cores four workers served 19-29% more than two (make bench). */
	long n = 2 * sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : (n > MAX_WORKERS ? MAX_WORKERS : (int)n);
}

/* A socket file that no process listens on is left over from a crash: remove it. */
static int clear_stale_socket(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		log_msg("error", "listen path %s exists and is not a socket", path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int live = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	if (live) {
		log_msg("error", "another server is listening on %s", path);
		return -1;
	}
	unlink(path);
	return 0;
}

int pool_listen(const struct config *cfg)
{
	const char *path = cfg->listen;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_msg("error", "listen path %s is longer than %zu bytes", path,
		        sizeof(sa.sun_path) - 1);
		return -1;
	}
	if (clear_stale_socket(path) != 0)
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* non-blocking: workers poll it and must never hang in accept(2) for a
	 * connection another worker took first */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, (mode_t)cfg->listen_mode) != 0 || listen(fd, 1024) != 0) {
		log_msg("error", "cannot listen on %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int spawn(struct pool *p, struct slot *s)
{
	pid_t pid = fork();
	if (pid < 0) {
		log_msg("error", "fork failed: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		status_close_in_child(p->status);
		worker_main(p->cfg, p->listen_fd, p->app, p->sb, (size_t)(s - p->slots));
	}
	s->pid = pid;
	s->generation = p->generation;
	s->started = time(NULL);
	s->killed = 0;
	s->retiring = 0;
	sb_worker_started(p->sb, (size_t)(s - p->slots), pid, p->generation);
	return 0;
}

static struct slot *free_slot(struct pool *p)
{
	for (size_t i = 0; i < sizeof(p->slots) / sizeof(p->slots[0]); i++)
		if (p->slots[i].pid == 0)
			return &p->slots[i];
	return NULL;
}

static void spawn_generation(struct pool *p)
{
	p->nworkers = worker_count(p->cfg);
	sb_configure(p->sb, p->nworkers, p->cfg->threads);
	for (int i = 0; i < p->nworkers; i++) {
		struct slot *s = free_slot(p);
		if (s == NULL || spawn(p, s) != 0)
			break;
	}
	log_msg("info", "generation %d: %d workers x %d threads", p->generation, p->nworkers,
	        p->cfg->threads);
}

static void signal_workers(struct pool *p, int sig, int below_generation)
{
	for (size_t i = 0; i < sizeof(p->slots) / sizeof(p->slots[0]); i++)
		if (p->slots[i].pid > 0 && p->slots[i].generation < below_generation)
			kill(p->slots[i].pid, sig);
}

static int live_workers(const struct pool *p)
{
	int n = 0;
	for (size_t i = 0; i < sizeof(p->slots) / sizeof(p->slots[0]); i++)
		n += p->slots[i].pid > 0;
	return n;
}

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A worker of the current generation ended while the pool runs: it is
 * replaced by top_up, at once unless it crashed in a loop (the guard) or
 * right after it started (a second's pause, so that no fork loop spins).
 */
static void worker_lost(struct pool *p, struct slot *s, pid_t pid, int status)
{
	int crashed = !s->killed && !s->retiring &&
	              (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0));
	if (p->sb != NULL)
		atomic_fetch_add(&p->sb->restarts, 1);
	if (!crashed)
		return;
	double now = mono_now();
	if (time(NULL) - s->started < 1)
		p->hold_until = now + 1;
	double wait = guard_death(&p->guard, now);
	if (wait > 0)
		log_msg("error",
		        "crash loop: %d workers died within %d s (crash_loop_threshold %d); "
		        "the next worker is forked in %.0f s",
		        p->guard.recent, p->guard.interval, p->guard.threshold, wait);
	(void)pid;
}

/* Reaps dead workers; while the pool runs (replace), top_up forks their successors. */
static void reap(struct pool *p, int replace)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < sizeof(p->slots) / sizeof(p->slots[0]); i++) {
			struct slot *s = &p->slots[i];
			if (s->pid != pid)
				continue;
			s->pid = 0;
			sb_worker_ended(p->sb, i);
			int current = s->generation == p->generation;
			if (WIFSIGNALED(status) ||
			    (WIFEXITED(status) && WEXITSTATUS(status) != 0 && current))
				log_msg("warn", "worker %d ended (%s %d)", (int)pid,
				        WIFSIGNALED(status) ? "signal" : "status",
				        WIFSIGNALED(status) ? WTERMSIG(status)
				                            : WEXITSTATUS(status));
			if (replace && current)
				worker_lost(p, s, pid, status);
		}
	}
}

/* Forks workers of the current generation until there are as many as configured,
 * a retiring one not counted, as far as the crash-loop guard lets it. */
static void top_up(struct pool *p)
{
	int have = 0;
	for (size_t i = 0; i < sizeof(p->slots) / sizeof(p->slots[0]); i++) {
		struct slot *s = &p->slots[i];
		if (s->pid <= 0 || s->generation != p->generation)
			continue;
		if (!s->retiring && p->sb != NULL && atomic_load(&p->sb->worker[i].retiring))
			s->retiring = 1;
		have += !s->retiring && !s->killed;
	}
	double now = mono_now();
	while (have < p->nworkers && now >= p->hold_until && guard_may_spawn(&p->guard, now)) {
		struct slot *s = free_slot(p);
		if (s == NULL || spawn(p, s) != 0)
			return;
		have++;
		if (p->guard.backoff > 0) {
			/* in a loop, one worker at a time: it must live before more follow */
			log_msg("info", "crash loop: forked worker %d after a %d s pause",
			        (int)s->pid, p->guard.backoff);
			p->guard.next_spawn = now + p->guard.backoff;
			return;
		}
	}
}

/*
 * request_timeout: a request running longer means its worker is stuck.  The
 * watchdog answers nothing itself (nginx answers that client 503 when the
 * connection drops): it kills the worker, says what it was doing, and
 * top_up forks its successor.  SIGKILL, not a drain: the stuck request would
 * hold a draining worker as long.
 */
static void watchdog(struct pool *p)
{
	if (p->sb == NULL || p->cfg->request_timeout <= 0)
		return;
	int64_t now = sb_now_ns(), limit = (int64_t)p->cfg->request_timeout * 1000000000;
	for (size_t i = 0; i < sizeof(p->slots) / sizeof(p->slots[0]); i++) {
		struct slot *s = &p->slots[i];
		if (s->pid <= 0 || s->killed || sb_busy(p->sb, i) == 0)
			continue;
		for (int j = 0; j < p->sb->worker[i].nthreads; j++) {
			struct sb_request r;
			if (sb_read_request(p->sb, i, (size_t)j, &r) != 0 || r.state == SB_IDLE ||
			    r.started_ns == 0 || now - r.started_ns <= limit)
				continue;
			log_msg("error",
			        "request_timeout: worker %d stuck, id=%s %s %s has run %.1f s "
			        "(request_timeout %d s), %s%s%s; killing the worker and forking "
			        "another",
			        (int)s->pid, r.request_id[0] ? r.request_id : "-", r.method,
			        sb_route_name(p->sb, r.route), (double)(now - r.started_ns) / 1e9,
			        p->cfg->request_timeout, sb_state_name(r.state),
			        r.state == SB_DB ? " on: " : "",
			        r.state == SB_DB ? r.statement : "");
			kill(s->pid, SIGKILL);
			s->killed = 1;
			atomic_fetch_add(&p->sb->request_timeouts, 1);
			break;
		}
	}
}

/* The figures of the STATUS line: the living workers, how many are inside a request, requests. */
static void figures(struct pool *p, struct pool_figures *f)
{
	memset(f, 0, sizeof(*f));
	f->slow = -1; /* no threshold to count against yet */
	for (size_t i = 0; i < sizeof(p->slots) / sizeof(p->slots[0]); i++) {
		if (p->slots[i].pid <= 0)
			continue;
		f->workers++;
		f->busy += sb_busy(p->sb, i) > 0;
	}
	f->requests = sb_requests(p->sb);
	if (p->sb != NULL)
		f->slow = (long long)atomic_load(&p->sb->slow);
}

static void reload(struct pool *p)
{
	struct config *fresh = malloc(sizeof(*fresh));
	char err[512];
	if (fresh == NULL || config_load(fresh, p->cfg_path, 1, err, sizeof(err)) != 0) {
		log_msg("error", "SIGHUP: configuration not reloaded: %s",
		        fresh ? err : "out of memory");
		if (fresh)
			config_free(fresh);
		free(fresh);
		return;
	}
	if (p->owns_socket && strcmp(fresh->listen, p->cfg->listen) != 0)
		log_msg("warn", "SIGHUP: a new listen address needs a restart; keeping %s",
		        p->cfg->listen);
	memcpy(fresh->listen, p->cfg->listen, sizeof(fresh->listen));
	p->cfg = fresh;
	p->generation++;
	spawn_generation(p);
	/* Old workers hold their own copy of the old configuration since fork. */
	if (p->reloaded != NULL) {
		config_free(p->reloaded);
		free(p->reloaded);
	}
	p->reloaded = fresh;
	p->view.cfg = fresh;
	p->view.generation = p->generation;
	p->guard.threshold = fresh->crash_loop_threshold;
	p->guard.interval = fresh->crash_loop_interval;
	p->guard.max_backoff = fresh->crash_loop_max_backoff;
	signal_workers(p, SIGTERM, p->generation);
	log_msg("info", "SIGHUP: configuration reloaded, old workers draining");
}

static void drain(struct pool *p)
{
	signal_workers(p, SIGTERM, p->generation + 1);
	time_t deadline = time(NULL) + p->cfg->shutdown_timeout + 2;
	while (live_workers(p) > 0 && time(NULL) < deadline) {
		reap(p, 0);
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (live_workers(p) > 0) {
		log_msg("warn", "workers did not drain in time; killing them");
		signal_workers(p, SIGKILL, p->generation + 1);
		while (live_workers(p) > 0 && waitpid(-1, NULL, 0) > 0)
			reap(p, 0);
	}
}

static int write_pid_file(const char *path)
{
	if (path[0] == '\0')
		return 0;
	FILE *f = fopen(path, "w");
	if (f == NULL) {
		log_msg("error", "cannot write pid file %s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f) == 0 ? 0 : -1;
}

/* What the master looks after on each wake-up, at least every TICK_MS. */
static void look_after(struct pool *p)
{
	long long queue = 0, backlog = 0;
	if (p->sb != NULL && listen_queue_read(p->listen_fd, &queue, &backlog) == 0)
		sb_listen_sample(p->sb, queue, backlog);
	watchdog(p);
	if (guard_tick(&p->guard, mono_now()))
		log_msg("info", "crash loop over: no worker died for %d s; forking as usual",
		        p->guard.interval);
	top_up(p);
}

#define TICK_MS 200

static void supervise(struct pool *p, const sigset_t *set)
{
	struct pool_figures f;
	for (;;) {
		/* serves status_listen meanwhile, and wakes at once on a signal */
		int sig = status_wait(p->status, set, TICK_MS);
		if (sig == SIGTERM || sig == SIGINT) {
			notify_stopping();
			log_msg("info", "%s: draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
			return;
		}
		if (sig == SIGHUP) {
			/* systemd holds `systemctl reload` until the READY that follows */
			notify_reloading();
			reload(p);
			figures(p, &f);
			notify_ready(&f);
		}
		reap(p, 1);
		look_after(p);
		figures(p, &f);
		notify_status(&f);
	}
}

/*
 * The socket a parent passed (systemd, spawn-fcgi) is served as it is;
 * else we make cfg->listen.  0, or -1 (logged).
 */
static int take_socket(struct pool *p)
{
	p->listen_fd = activation_listen_fd();
	if (p->listen_fd == ACTIVATION_ERROR)
		return -1;
	if (p->listen_fd >= 0) {
		log_msg("info",
		        "serving the socket passed by the parent (fd %d); listen = %s unused",
		        p->listen_fd, p->cfg->listen);
		return 0;
	}
	p->listen_fd = pool_listen(p->cfg);
	p->owns_socket = p->listen_fd >= 0;
	return p->listen_fd >= 0 ? 0 : -1;
}

/*
 * The scoreboard (unless scoreboard = 0), the crash-loop guard and the
 * status listener, made before any worker is forked.  0, or -1 when the
 * configured status_listen cannot be served (logged).
 */
static int watch_open(struct pool *p)
{
	const struct config *cfg = p->cfg;
	guard_init(&p->guard, cfg->crash_loop_threshold, cfg->crash_loop_interval,
	           cfg->crash_loop_max_backoff);
	if (cfg->scoreboard) {
		p->sb = sb_new(sizeof(p->slots) / sizeof(p->slots[0]));
		if (p->sb == NULL)
			log_msg("warn", "no shared memory for the scoreboard: nothing is counted");
	}
	if (p->sb != NULL && p->app->route_names != NULL) {
		const char *names[SB_ROUTES_MAX];
		sb_set_routes(p->sb, names, p->app->route_names(names, SB_ROUTES_MAX - 2));
	}
	p->view = (struct status_view){p->sb, &p->guard, cfg, p->generation};
	if (cfg->status_listen[0] == '\0')
		return 0;
	if (p->sb == NULL) {
		log_msg("error", "status_listen needs the scoreboard (scoreboard = 1)");
		return -1;
	}
	p->status = status_open(cfg->status_listen, cfg->listen_mode, &p->view);
	return p->status != NULL ? 0 : -1;
}

int pool_run(struct config *cfg, const char *cfg_path, const struct pool_app *app)
{
	static struct pool p;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	p.app = app;
	p.cfg = cfg;
	p.cfg_path = cfg_path;
	if (take_socket(&p) != 0)
		return 1;
	if (watch_open(&p) != 0 || write_pid_file(cfg->pid_file) != 0) {
		status_close(p.status);
		sb_free(p.sb);
		close(p.listen_fd);
		if (p.owns_socket)
			unlink(cfg->listen);
		return 1;
	}
	spawn_generation(&p);
	struct pool_figures f;
	figures(&p, &f);
	notify_ready(&f);
	supervise(&p, &set);
	drain(&p);
	close(p.listen_fd);
	/* a socket a parent passed is the parent's: systemd listens on it again */
	if (p.owns_socket)
		unlink(cfg->listen);
	status_close(p.status);
	sb_free(p.sb);
	if (cfg->pid_file[0] != '\0')
		unlink(cfg->pid_file);
	if (p.reloaded != NULL) {
		config_free(p.reloaded);
		free(p.reloaded);
	}
	log_msg("info", "stopped");
	return 0;
}
