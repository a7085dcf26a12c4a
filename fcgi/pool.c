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

#define MAX_WORKERS 256

struct slot {
	pid_t pid; /* 0 = empty */
	int generation;
	time_t started;
};

struct pool {
	const struct pool_app *app; /* what the workers serve (the caller's) */
	struct config *cfg;
	struct config *reloaded; /* owned: the configuration read on the last SIGHUP */
	const char *cfg_path;
	int listen_fd;
	int owns_socket;     /* we made listen_fd's file (else a parent passed the socket) */
	struct tally *tally; /* the workers' counters (NULL: none could be mapped) */
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
	if (pid == 0)
		worker_main(p->cfg, p->listen_fd, p->app,
		            tally_slot(p->tally, (size_t)(s - p->slots)));
	s->pid = pid;
	s->generation = p->generation;
	s->started = time(NULL);
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

/* Reaps dead workers; a worker of the current generation is replaced at once. */
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
			tally_retire(p->tally, i);
			int current = s->generation == p->generation;
			if (WIFSIGNALED(status) ||
			    (WIFEXITED(status) && WEXITSTATUS(status) != 0 && current))
				log_msg("warn", "worker %d ended (%s %d)", (int)pid,
				        WIFSIGNALED(status) ? "signal" : "status",
				        WIFSIGNALED(status) ? WTERMSIG(status)
				                            : WEXITSTATUS(status));
			if (replace && current) {
				/* A worker that dies at once every time must not turn into a fork loop. */
				if (time(NULL) - s->started < 1)
					sleep(1);
				spawn(p, s);
			}
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
		f->busy += tally_busy(p->tally, i);
	}
	f->requests = tally_requests(p->tally);
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

static void supervise(struct pool *p, const sigset_t *set)
{
	struct pool_figures f;
	for (;;) {
		struct timespec tick = {1, 0};
		int sig = sigtimedwait(set, NULL, &tick);
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
	if (take_socket(&p) != 0 || write_pid_file(cfg->pid_file) != 0)
		return 1;
	p.tally = tally_new(sizeof(p.slots) / sizeof(p.slots[0]));
	if (p.tally == NULL)
		log_msg("warn",
		        "no shared memory for the workers' counters: STATUS counts no requests");
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
	tally_free(p.tally);
	if (cfg->pid_file[0] != '\0')
		unlink(cfg->pid_file);
	if (p.reloaded != NULL) {
		config_free(p.reloaded);
		free(p.reloaded);
	}
	log_msg("info", "stopped");
	return 0;
}
