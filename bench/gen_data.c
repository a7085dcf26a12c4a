/* gen_data: the benchmark's data set — deterministic JSON Lines, one file per tenant, and a manifest. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "lib/prng.h"
#include "lib/timefmt.h"
#include "model/enums.h"
#include "model/lifecycle.h"

/*
 * Usage: gen-data [--anchor TIME] [--tenants N] [--customers N]
 *                 [--opportunities N] [--activities N] [--users N]
 *                 [--write-set N] OUTDIR
 *
 * Writes OUTDIR/<tenant>.jsonl (for `crmctl import --tenant T FILE`: users,
 * then customers, opportunities and activities, one item per line with its
 * "kind"), OUTDIR/manifest.json and OUTDIR/manifest.txt (the same for shell
 * and Lua: "tenant ID CUSTOMERS", "user TENANT ID", "write_set N").
 *
 * The write set: the last --write-set customers of each tenant (default 500)
 * are the only ones the benchmark's write mix changes.  They are written a
 * second time to OUTDIR/reset/<tenant>.jsonl, whose import puts them back as
 * generated, so every benchmark run starts from the same data.
 *
 * Ids are derived, so the wrk scripts need no list: tenant "bt<i>", users
 * "bt<i>-u01".., customers "bt<i>-c000000".., opportunities "bt<i>-o000000",
 * activities "bt<i>-a000000".  Nested ids are UUIDv7-shaped strings drawn
 * from the generator.
 *
 * Determinism: one lib/prng.h stream (splitmix64) per tenant, drawn in a fixed
 * order; no expression draws twice (C leaves argument order unspecified).
 * Status names and moves are the model's (model/enums.h, model/lifecycle.h):
 * a customer's history walks allowed moves from LEAD to its crmStatus.  The
 * output depends only on the options; times are relative to --anchor (default
 * 2026-11-01T00:00:00Z): about a third of the customers have a next action
 * due before it (overdue), two fifths one due after it.
 *
 * Out of memory: this is a one-shot tool; a failed allocation anywhere ends
 * the program with a message and exit status 1 (partial files are left).
 */

#define SEC        INT64_C(1000000)
#define HOUR       (3600 * SEC)
#define DAY        (24 * HOUR)
#define NELEM(a)   (sizeof(a) / sizeof((a)[0]))
#define PICK(g, t) ((t)[prng_below((g), (int)NELEM(t))])
#define ID_LEN     40
#define NAME_LEN   96
#define UUID_LEN   37

/* A whole-second offset in [lo, hi) microseconds. */
static int64_t rng_span(struct prng *g, int64_t lo, int64_t hi)
{
	if (hi <= lo + SEC)
		return lo;
	return lo + (int64_t)prng_below64(g, (uint64_t)((hi - lo) / SEC)) * SEC;
}

/* ---- value sets ---- */

/* The share of each crmStatus, in percent. */
static const int crm_weights[CRM_STATUS__MAX] = {25, 20, 20, 20, 10, 5};
#define HISTORY_MAX 7 /* statuses in a customer's history: LEAD and up to six moves */

/* In the order of ENUM_OPPORTUNITY_STATUS and ENUM_ACTIVITY_TYPE (checked in main). */
enum opp { O_NEW, O_DISCUSS, O_PROPOSAL, O_ACCEPTED, O_EXECUTION, O_COMPLETED, O_LOST, O__MAX };
static const int opp_probability[O__MAX] = {10, 25, 50, 90, 100, 100, 0};
static const enum opp opp_status_by_crm[CRM_STATUS__MAX][4] = {
        [CRM_STATUS_LEAD] = {O_NEW, O_NEW, O_DISCUSS, O_DISCUSS},
        [CRM_STATUS_PROSPECT] = {O_DISCUSS, O_PROPOSAL, O_NEW, O_LOST},
        [CRM_STATUS_ACTIVE] = {O_PROPOSAL, O_ACCEPTED, O_EXECUTION, O_DISCUSS},
        [CRM_STATUS_CUSTOMER] = {O_EXECUTION, O_COMPLETED, O_ACCEPTED, O_COMPLETED},
        [CRM_STATUS_INACTIVE] = {O_COMPLETED, O_LOST, O_COMPLETED, O_LOST},
        [CRM_STATUS_CHURNED] = {O_LOST, O_COMPLETED, O_LOST, O_LOST},
};

enum act { A_CALL, A_EMAIL, A_MEETING, A_NOTE, A_TASK, A__MAX };
static const enum act act_bag[] = {A_CALL,  A_CALL,  A_CALL,    A_CALL,    A_EMAIL,   A_EMAIL,
                                   A_EMAIL, A_EMAIL, A_MEETING, A_MEETING, A_MEETING, A_NOTE,
                                   A_NOTE,  A_TASK,  A_TASK,    A_TASK};
static const char *const priorities[] = {"LOW", "LOW", "MEDIUM", "MEDIUM", "MEDIUM", "HIGH"};

struct city {
	const char *name, *province, *area;
	double lat, lon;
	int postal;
};
static const struct city cities[] = {
        {"Amsterdam", "Noord-Holland", "20", 52.3676, 4.9041, 1012},
        {"Rotterdam", "Zuid-Holland", "10", 51.9244, 4.4777, 3011},
        {"Den Haag", "Zuid-Holland", "70", 52.0705, 4.3007, 2511},
        {"Utrecht", "Utrecht", "30", 52.0907, 5.1214, 3511},
        {"Eindhoven", "Noord-Brabant", "40", 51.4416, 5.4697, 5611},
        {"Groningen", "Groningen", "50", 53.2194, 6.5665, 9711},
        {"Tilburg", "Noord-Brabant", "13", 51.5555, 5.0913, 5038},
        {"Almere", "Flevoland", "36", 52.3508, 5.2647, 1315},
        {"Breda", "Noord-Brabant", "76", 51.5719, 4.7683, 4811},
        {"Nijmegen", "Gelderland", "24", 51.8126, 5.8372, 6511},
        {"Arnhem", "Gelderland", "26", 51.9851, 5.8987, 6811},
        {"Haarlem", "Noord-Holland", "23", 52.3874, 4.6462, 2011},
        {"Enschede", "Overijssel", "53", 52.2215, 6.8937, 7511},
        {"Zwolle", "Overijssel", "38", 52.5168, 6.0830, 8011},
        {"Maastricht", "Limburg", "43", 50.8514, 5.6910, 6211},
        {"Leeuwarden", "Friesland", "58", 53.2012, 5.7999, 8911},
        {"Middelburg", "Zeeland", "118", 51.4988, 3.6109, 4331},
        {"Assen", "Drenthe", "592", 52.9928, 6.5642, 9401},
        {"Amersfoort", "Utrecht", "33", 52.1561, 5.3878, 3811},
        {"Delft", "Zuid-Holland", "15", 52.0116, 4.3571, 2611},
        {"Leiden", "Zuid-Holland", "71", 52.1601, 4.4970, 2311},
        {"Venlo", "Limburg", "77", 51.3704, 6.1724, 5911},
        {"Apeldoorn", "Gelderland", "55", 52.2112, 5.9699, 7311},
        {"Deventer", "Overijssel", "570", 52.2550, 6.1639, 7411},
};
static const char *const streets[] = {
        "Industrieweg",   "Stationsplein", "Kerkstraat",  "Havenstraat",    "Schoolstraat",
        "Molenstraat",    "Parallelweg",   "Energieweg",  "Nijverheidsweg", "Hoofdstraat",
        "Handelskade",    "Marktplein",    "Dorpsstraat", "Zuiderweg",      "Ambachtsweg",
        "Wilhelminalaan", "Julianastraat", "Oranjelaan",  "Keizersgracht",  "Lange Voorhout",
};
static const char postal_letters[] = "ABCDEGHJKLMNPRTVWXZ";
static const char *const first_names[] = {
        "Anna",   "Bram",    "Daan",   "Emma",    "Femke", "Gijs",    "Hanna", "Iris",
        "Jesse",  "Kees",    "Lieke",  "Maarten", "Nina",  "Olaf",    "Ruben", "Sanne",
        "Thijs",  "Vera",    "Willem", "Yara",    "Bas",   "Marloes", "Joris", "Ilse",
        "Fatima", "Mohamed", "Sophie", "Lucas",   "Julia", "Noah",    "Zoë",   "Chloë",
};
static const char *const last_names[] = {
        "de Vries",  "Jansen",   "van den Berg", "Bakker",         "Visser",  "Smit",
        "Meijer",    "de Boer",  "Mulder",       "de Groot",       "Bos",     "Vos",
        "Peters",    "Hendriks", "van Leeuwen",  "Dekker",         "Brouwer", "de Wit",
        "Dijkstra",  "Smits",    "de Graaf",     "van der Linden", "Kok",     "Jacobs",
        "El Amrani", "Yılmaz",   "Öztürk",       "Nguyen",         "Haddou",  "Kramer",
};
static const char *const company_heads[] = {
        "Van der Meer", "De Groot",      "Noordzee", "Polder",   "Zonneveld",  "Brouwer & Zonen",
        "Hollands",     "Kaasboerderij", "Eiland",   "Rijnmond", "Kempen",     "Veluwe",
        "Dijkstra",     "Zuidas",        "Oranje",   "Molenaar", "Windkracht", "Duinzicht",
        "Bakker",       "Vermeulen",     "Twentse",  "Friese",   "Maasland",   "IJssel",
        "Alfa",         "Nova",          "Prisma",   "Horizon",  "Kompas",     "Meridiaan",
};
struct sector {
	const char *word, *industry;
};
static const struct sector sectors[] = {
        {"Installatietechniek", "Installatietechniek"},
        {"Bouw", "Bouw"},
        {"Transport", "Logistiek"},
        {"Logistiek", "Logistiek"},
        {"Advies", "Zakelijke dienstverlening"},
        {"Automatisering", "ICT"},
        {"Software", "ICT"},
        {"Schilderwerken", "Bouw"},
        {"Tandartspraktijk", "Zorg"},
        {"Zorggroep", "Zorg"},
        {"Bakkerij", "Voedingsmiddelen"},
        {"Catering", "Horeca"},
        {"Hotel", "Horeca"},
        {"Accountants", "Financiële dienstverlening"},
        {"Makelaardij", "Vastgoed"},
        {"Metaal", "Industrie"},
        {"Kunststoffen", "Industrie"},
        {"Groothandel", "Groothandel"},
        {"Kinderopvang", "Onderwijs"},
        {"Energie", "Energie"},
};
static const char *const legal_forms[] = {" B.V.", " B.V.", "", " V.O.F.", " Holding B.V."};
static const char *const providers[] = {"gmail.com",   "ziggo.nl",    "kpnmail.nl",
                                        "outlook.com", "hotmail.com", "xs4all.nl"};
static const char *const departments[] = {
        "Directie",   "Inkoop",     "Financiële administratie",
        "ICT",        "Facilitair", "Marketing",
        "Operations", "HR",         "Verkoop",
};
static const char *const lead_sources[] = {
        "Website", "Beurs", "Referral", "LinkedIn", "Koude acquisitie", "Google Ads", "Partner",
};
static const char *const tag_pool[] = {
        "vip",       "retail",   "nieuwsbrief", "beurs-2026",   "mkb",          "partner",
        "onderhoud", "duurzaam", "prioriteit",  "cloud",        "webinar",      "upsell-kans",
        "zorg",      "overheid", "export",      "franchise",    "B2B",          "B2C",
        "koud",      "warm",     "heet",        "jaarcontract", "Q1-focus",     "referentie",
        "Amsterdam", "Randstad", "Noord",       "Zuid",         "nieuwe-klant", "klantdag",
};
static const char *const languages[] = {"nl", "nl", "nl", "nl", "nl", "nl", "nl", "en", "en", "de"};
static const char *const customer_actions[CRM_STATUS__MAX][3] = {
        [CRM_STATUS_LEAD] = {"Kennismakingsgesprek inplannen",
                             "Eerste contact opnemen per telefoon",
                             "Brochure en referenties sturen"},
        [CRM_STATUS_PROSPECT] = {"Offerte nabellen", "Demo op locatie inplannen",
                                 "Beslissers in kaart brengen"},
        [CRM_STATUS_ACTIVE] = {"Voortgang project bespreken", "Contractverlenging voorbereiden",
                               "Oplevering afstemmen"},
        [CRM_STATUS_CUSTOMER] = {"Kwartaalevaluatie plannen", "Upsell-voorstel sturen",
                                 "Tevredenheidsonderzoek afnemen"},
        [CRM_STATUS_INACTIVE] = {"Heractivatie-aanbod sturen", "Tevredenheidsgesprek voeren",
                                 "Nieuwe contactpersoon zoeken"},
        [CRM_STATUS_CHURNED] = {"Exitgesprek evalueren", "Win-back actie overwegen",
                                "Klantdossier archiveren"},
};
static const char *const update_texts[] = {
        "Contact details updated", "Billing address updated", "Phone number updated",
        "Website updated",         "Industry updated",        "Delivery address added",
        "Contact person added",
};

struct offer {
	const char *name, *description;
	long base;
};
static const struct offer offers[] = {
        {"Kantoornetwerk vernieuwen", "Nieuwe switches, access points en bekabeling.", 18000},
        {"Cloudmigratie", "Migratie van de lokale servers naar de cloud.", 42000},
        {"Onderhoudscontract", "Jaarlijks onderhoud en support met SLA.", 9600},
        {"Werkplekken vervangen", "Vijftig laptops inclusief uitrol en inrichting.", 61000},
        {"Beveiligingsscan", "Pentest en advies over de bevindingen.", 7500},
        {"Website en webshop", "Nieuwe website met koppeling aan de voorraad.", 24000},
        {"Zonnepanelen op bedrijfspand", "Ontwerp, levering en montage van 120 panelen.", 88000},
        {"Verbouwing kantoor", "Renovatie van de tweede verdieping.", 135000},
};
static const char *const opportunity_notes[] = {
        "Klant wil starten na de zomervakantie.",
        "Budget is goedgekeurd door de directie.",
        "Concurrent heeft ook een offerte uitgebracht.",
        "Beslissing valt in het MT-overleg van volgende maand.",
        "Klant vraagt om een gespreide betaling.",
};
static const char *const opportunity_tags[] = {"raamcontract", "subsidie",  "spoed",
                                               "upsell",       "meerjarig", "pilot"};
static const char *const opportunity_actions[O__MAX] = {
        [O_NEW] = "Behoeften inventariseren",       [O_DISCUSS] = "Vervolgafspraak plannen",
        [O_PROPOSAL] = "Offerte nabellen",          [O_ACCEPTED] = "Kick-off inplannen",
        [O_EXECUTION] = "Voortgangsoverleg houden",
};
static const char *const sources[] = {"Website", "Beurs", "Referral", "Bestaande klant", "Partner"};

struct change_order {
	const char *category, *description;
	long amount;
};
static const struct change_order change_orders[] = {
        {"Meerwerk", "Extra netwerkaansluitingen op de tweede verdieping", 1250},
        {"Minderwerk", "Training voor beheerders vervalt", -600},
        {"Hardware", "Vier extra access points", 980},
        {"Licenties", "Tien extra gebruikerslicenties", 1440},
        {"Uren", "Aanvullende consultancy-uren", 2100},
        {"Meerwerk", "Koppeling met extra databron", 1750},
};

struct pay_step {
	const char *label;
	double percentage;
	int by_date;
	enum opp status;
	int relative_days, due_days, with_change_orders;
};
static const struct pay_step plan_once[] = {
        {"Volledige betaling bij oplevering", 100, 0, O_COMPLETED, 0, 30, 1},
};
static const struct pay_step plan_two[] = {
        {"Aanbetaling 30%", 30, 0, O_ACCEPTED, 0, 14, 0},
        {"Restbetaling 70%", 70, 0, O_COMPLETED, 0, 30, 1},
};
static const struct pay_step plan_three[] = {
        {"Aanbetaling 30%", 30, 0, O_ACCEPTED, 0, 14, 0},
        {"Tweede termijn 40%", 40, 1, O_EXECUTION, 30, 30, 0},
        {"Eindafrekening 30%", 30, 0, O_COMPLETED, 0, 30, 1},
};
struct plan {
	const struct pay_step *steps;
	size_t count;
};
static const struct plan plans[] = {
        {plan_once, NELEM(plan_once)},
        {plan_two, NELEM(plan_two)},
        {plan_three, NELEM(plan_three)},
};

struct act_text {
	enum act type;
	const char *subject, *description, *outcome;
};
static const struct act_text act_texts[] = {
        {A_CALL, "Telefonisch contact over offerte", "Offerte doorgenomen en vragen beantwoord.",
         "Klant overweegt de offerte en belt volgende week terug."},
        {A_CALL, "Nabellen na demo", "Reacties op de demo van vorige week opgehaald.",
         "Positief; klant wil een proefperiode."},
        {A_CALL, "Follow-up call on proposal",
         "Walked through the proposal and answered questions.",
         "Customer will decide by the end of the month."},
        {A_EMAIL, "Offerte verstuurd", "Offerte met planning en voorwaarden per e-mail verstuurd.",
         "Ontvangst bevestigd door de klant."},
        {A_EMAIL, "Factuurvraag beantwoord", "Vraag over de laatste factuur beantwoord.",
         "Opgelost."},
        {A_EMAIL, "Sent case study", "Shared a case study from a customer in the same sector.",
         "Customer found it useful."},
        {A_MEETING, "Kennismakingsgesprek",
         "Kennismaking op kantoor van de klant; wensen en budget besproken.",
         "Klant wil een offerte ontvangen."},
        {A_MEETING, "Kwartaalevaluatie",
         "Evaluatie van de dienstverlening van het afgelopen kwartaal.",
         "Tevreden; twee verbeterpunten afgesproken."},
        {A_MEETING, "Project kick-off", "Kick-off with the project team and stakeholders.",
         "Planning agreed."},
        {A_NOTE, "Contactpersoon gewijzigd", "Nieuwe contactpersoon voor inkoop genoteerd.",
         "Gegevens bijgewerkt."},
        {A_NOTE, "Budgetcyclus",
         "Budget wordt in september vastgesteld; daarvoor geen beslissingen.", "Genoteerd."},
        {A_TASK, "Offerte opstellen", "Offerte opstellen op basis van het kennismakingsgesprek.",
         "Offerte verstuurd."},
        {A_TASK, "Contract klaarzetten", "Contract voorbereiden voor ondertekening.",
         "Contract getekend retour ontvangen."},
        {A_TASK, "Send onboarding pack", "Send the onboarding documents and portal login.",
         "Sent."},
};

/* ---- the generator's state ---- */

struct customer_info {
	char id[ID_LEN];
	char name[NAME_LEN];
	char domain[NAME_LEN];
	char contact_name[NAME_LEN];
	char contact_email[NAME_LEN + 32];
	char contact_phone[32];
	int city;
	int owner; /* 0..users-1, or -1 */
	enum crm_status status;
	int64_t created;
	int last_opportunity; /* -1: none */
};

struct tenant {
	int index;
	char id[16];
	struct prng g;
	int64_t anchor;
	int users, customers, opportunities, activities;
	struct customer_info *cust;
	FILE *out;
	FILE *reset;      /* the write set's customers, again */
	int write_from;   /* the first customer index of the write set */
	int in_write_set; /* the item being emitted goes to `reset` too */
	long lines;
};

static void die_oom(void)
{
	fprintf(stderr, "gen-data: out of memory\n");
	exit(1);
}

/* Sets o[key] = v, taking v's reference; any failure ends the program. */
static void put(json_t *o, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(o, key, v) != 0)
		die_oom();
}

static void push(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		die_oom();
}

static json_t *new_object(void)
{
	json_t *o = json_object();
	if (o == NULL)
		die_oom();
	return o;
}

static json_t *new_array(void)
{
	json_t *a = json_array();
	if (a == NULL)
		die_oom();
	return a;
}

static json_t *str(const char *s)
{
	return s ? json_string(s) : json_null();
}

__attribute__((format(printf, 1, 2))) static json_t *strf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_string(buf);
}

static json_t *jtime(int64_t t)
{
	char buf[TIMEFMT_RFC3339_MAX];
	timefmt_format_rfc3339(t, buf);
	return json_string(buf);
}

static json_t *jdate(int64_t t)
{
	char buf[TIMEFMT_RFC3339_MAX];
	timefmt_format_rfc3339(t, buf);
	buf[10] = '\0';
	return json_string(buf);
}

/* A number rounded to `places` decimals, written as a JSON real. */
static json_t *jreal(double v, int places)
{
	double m = pow(10, places);
	return json_real(round(v * m) / m);
}

/* A UUIDv7-shaped id whose timestamp is t. */
static json_t *juuid(struct prng *g, int64_t t)
{
	uint64_t ms = (uint64_t)(t / 1000);
	uint64_t r1 = prng_next(g);
	uint64_t r2 = prng_next(g);
	char buf[64];
	snprintf(buf, sizeof(buf), "%08llx-%04llx-7%03llx-%04llx-%012llx",
	         (unsigned long long)((ms >> 16) & 0xffffffff), (unsigned long long)(ms & 0xffff),
	         (unsigned long long)(r1 & 0xfff),
	         (unsigned long long)(0x8000 | ((r1 >> 12) & 0x3fff)),
	         (unsigned long long)(r2 & UINT64_C(0xffffffffffff)));
	return json_string(buf);
}

static void user_id(const struct tenant *t, int u, char *out, size_t len)
{
	snprintf(out, len, "%s-u%02d", t->id, u + 1);
}

static json_t *juser(const struct tenant *t, int u)
{
	char id[ID_LEN];
	user_id(t, u, id, sizeof(id));
	return json_string(id);
}

/* The ASCII letter for the accented letters our name tables use, or 0. */
static char fold_letter(const char *s, size_t *skip)
{
	static const struct {
		const char *utf8;
		char ascii;
	} folds[] = {{"ë", 'e'}, {"é", 'e'}, {"ö", 'o'}, {"Ö", 'o'}, {"ü", 'u'}, {"ı", 'i'}};
	for (size_t i = 0; i < NELEM(folds); i++) {
		size_t n = strlen(folds[i].utf8);
		if (strncmp(s, folds[i].utf8, n) == 0) {
			*skip = n - 1;
			return folds[i].ascii;
		}
	}
	return 0;
}

/* Lower-case ASCII letters and digits of s, the rest dropped (for mail and web names). */
static void slug(const char *s, char *out, size_t len, char sep)
{
	size_t n = 0;
	for (; *s != '\0' && n + 1 < len; s++) {
		size_t skip = 0;
		char folded = fold_letter(s, &skip);
		if (folded != 0) {
			out[n++] = folded;
			s += skip;
			continue;
		}
		unsigned char c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			out[n++] = (char)(c - 'A' + 'a');
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[n++] = (char)c;
		else if (c == ' ' && sep != 0 && n > 0 && out[n - 1] != sep)
			out[n++] = sep;
	}
	out[n] = '\0';
}

static void phone(struct prng *g, const struct city *c, char *out, size_t len)
{
	int digits = 9 - (int)strlen(c->area);
	long max = 1;
	for (int i = 0; i < digits; i++)
		max *= 10;
	long n = (long)prng_below64(g, (uint64_t)max);
	char num[24];
	snprintf(num, sizeof(num), "%09ld", n); /* then keep the last `digits` */
	snprintf(out, len, "+31 %.3s %s", c->area, num + 9 - digits);
}

/* Writes one item as a line {"kind": ..., members...}; takes the item's reference. */
static void emit(struct tenant *t, const char *kind, json_t *item)
{
	json_t *line = new_object();
	put(line, "kind", json_string(kind));
	if (json_object_update(line, item) != 0)
		die_oom();
	json_decref(item);
	for (int copy = 0; copy < (t->in_write_set ? 2 : 1); copy++) {
		FILE *f = copy == 0 ? t->out : t->reset;
		if (json_dumpf(line, f, JSON_COMPACT | JSON_REAL_PRECISION(12)) != 0 ||
		    fputc('\n', f) == EOF) {
			fprintf(stderr, "gen-data: write failed: %s\n", strerror(errno));
			exit(1);
		}
	}
	json_decref(line);
	t->lines++;
}

/* ---- items ---- */

static void gen_user(struct tenant *t, int u)
{
	struct prng *g = &t->g;
	const char *first = PICK(g, first_names);
	const char *last = PICK(g, last_names);
	char a[64], b[64], display[128];
	slug(first, a, sizeof(a), 0);
	slug(last, b, sizeof(b), 0);
	snprintf(display, sizeof(display), "%s %s", first, last);
	json_t *o = new_object();
	put(o, "id", juser(t, u));
	put(o, "username", strf("%s.%s%d", a, b, u + 1));
	put(o, "displayName", str(display));
	emit(t, "user", o);
}

static json_t *address(struct prng *g, int city, int64_t when)
{
	const struct city *c = &cities[city];
	json_t *o = new_object();
	put(o, "city", str(c->name));
	put(o, "country", str("NL"));
	int number = prng_range(g, 1, 240);
	put(o, "houseNumber", strf("%d%s", number, prng_chance(g, 15) ? "A" : ""));
	put(o, "id", juuid(g, when));
	double dlat = (prng_below(g, 6001) - 3000) / 100000.0;
	double dlon = (prng_below(g, 6001) - 3000) / 100000.0;
	put(o, "latitude", jreal(c->lat + dlat, 6));
	put(o, "longitude", jreal(c->lon + dlon, 6));
	int postal = c->postal + prng_below(g, 60);
	char l1 = postal_letters[prng_below(g, (int)sizeof(postal_letters) - 1)];
	char l2 = postal_letters[prng_below(g, (int)sizeof(postal_letters) - 1)];
	put(o, "postalCode", strf("%04d %c%c", postal, l1, l2));
	put(o, "street", str(PICK(g, streets)));
	return o;
}

static json_t *contact(struct prng *g, const struct customer_info *ci, int64_t when, char *name_out,
                       char *email_out, char *phone_out)
{
	const char *first = PICK(g, first_names);
	const char *last = PICK(g, last_names);
	char a[64], b[64], email[NAME_LEN + 32], tel[32];
	slug(first, a, sizeof(a), 0);
	slug(last, b, sizeof(b), 0);
	snprintf(email, sizeof(email), "%.20s.%.20s@%.64s", a, b, ci->domain);
	phone(g, &cities[ci->city], tel, sizeof(tel));
	json_t *o = new_object();
	put(o, "department", str(PICK(g, departments)));
	put(o, "email", str(email));
	put(o, "firstName", str(first));
	put(o, "id", juuid(g, when));
	put(o, "lastName", str(last));
	put(o, "phone", str(tel));
	if (name_out != NULL) {
		snprintf(name_out, NAME_LEN, "%s %s", first, last);
		snprintf(email_out, NAME_LEN + 32, "%s", email);
		snprintf(phone_out, 32, "%s", tel);
	}
	return o;
}

static json_t *event(struct prng *g, const char *author, int64_t when, const char *type,
                     json_t *description)
{
	json_t *o = new_object();
	put(o, "authorId", str(author));
	put(o, "date", jtime(when));
	put(o, "description", description);
	put(o, "id", juuid(g, when));
	put(o, "type", json_string(type));
	return o;
}

static void sort_times(int64_t *t, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && t[j - 1] > t[j]; j--) {
			int64_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
}

static const char *crm_name(enum crm_status s)
{
	return enum_name(ENUM_CRM_STATUS, (int)s);
}

static const char *opp_name(enum opp s)
{
	return enum_name(ENUM_OPPORTUNITY_STATUS, (int)s);
}

static const char *act_name(enum act a)
{
	return enum_name(ENUM_ACTIVITY_TYPE, (int)a);
}

/* moves[s]: the fewest lifecycle moves from s to `to`, or -1 when `to` cannot be reached. */
static void moves_to(enum crm_status to, int moves[CRM_STATUS__MAX])
{
	for (int s = 0; s < CRM_STATUS__MAX; s++)
		moves[s] = s == (int)to ? 0 : -1;
	for (int round = 1; round < CRM_STATUS__MAX; round++)
		for (int from = 0; from < CRM_STATUS__MAX; from++)
			for (int next = 0; next < CRM_STATUS__MAX; next++)
				if (moves[from] < 0 && moves[next] == round - 1 &&
				    lifecycle_allows((enum crm_status)from, (enum crm_status)next))
					moves[from] = round;
}

/*
 * A plausible status history of a customer now in `to`: LEAD, then moves the
 * lifecycle allows, each picked at random among those that still reach `to`
 * within HISTORY_MAX statuses, until `to` is reached (LEAD -> INACTIVE, or
 * LEAD -> PROSPECT -> ACTIVE -> CUSTOMER -> INACTIVE, ...).  Returns the
 * number of statuses in path.
 */
static int status_history(struct prng *g, enum crm_status to, enum crm_status path[HISTORY_MAX])
{
	int moves[CRM_STATUS__MAX], n = 0;
	moves_to(to, moves);
	path[n++] = CRM_STATUS_LEAD;
	while (path[n - 1] != to) {
		enum crm_status options[CRM_STATUS__MAX];
		int k = 0;
		for (int next = 0; next < CRM_STATUS__MAX; next++)
			if (lifecycle_allows(path[n - 1], (enum crm_status)next) &&
			    moves[next] >= 0 && moves[next] < HISTORY_MAX - n)
				options[k++] = (enum crm_status)next;
		if (k == 0) {
			fprintf(stderr,
			        "gen-data: the lifecycle cannot reach %s from LEAD in %d moves\n",
			        crm_name(to), HISTORY_MAX - 1);
			exit(1);
		}
		path[n++] = options[prng_below(g, k)];
	}
	return n;
}

static enum crm_status pick_status(struct prng *g)
{
	int r = prng_below(g, 100);
	for (int s = 0; s < CRM_STATUS__MAX; s++) {
		if (r < crm_weights[s])
			return (enum crm_status)s;
		r -= crm_weights[s];
	}
	return CRM_STATUS_LEAD;
}

/* Owners: 5% none; the rest spread over every user, the first five a little busier. */
static int pick_owner(struct prng *g, int users)
{
	if (prng_chance(g, 5))
		return -1;
	return prng_chance(g, 30) ? prng_below(g, users < 5 ? users : 5) : prng_below(g, users);
}

/* A customer of the tenant; half the picks go to a "busy" tenth of them. */
static int pick_customer(struct tenant *t)
{
	int n = t->customers;
	int c = prng_below(&t->g, n);
	if (n >= 10 && prng_chance(&t->g, 50))
		c = (int)(((long long)(c % (n / 10)) * 7919) % n);
	return c;
}

static void customer_events(struct tenant *t, const struct customer_info *ci, json_t *events,
                            int64_t *last_time, int *last_author, const json_t *tags)
{
	struct prng *g = &t->g;
	int64_t times[20];
	enum crm_status path[HISTORY_MAX];
	int steps = status_history(g, ci->status, path) - 1; /* status changes on the way */
	int n = prng_range(g, 5, 20);
	if (n < steps + 1)
		n = steps + 1;
	times[0] = ci->created;
	for (int i = 1; i < n; i++)
		times[i] = rng_span(g, ci->created + HOUR, t->anchor - HOUR);
	sort_times(times, n);
	int next_step = 0;
	char author[ID_LEN];
	for (int i = 0; i < n; i++) {
		int who =
		        ci->owner >= 0 && prng_chance(g, 70) ? ci->owner : prng_below(g, t->users);
		user_id(t, who, author, sizeof(author));
		*last_author = who;
		json_t *e;
		if (i == 0) {
			e = event(g, author, times[i], "CREATE", str("Customer created"));
		} else if (next_step < steps && i == 1 + next_step * (n - 1) / steps) {
			enum crm_status from = path[next_step], to = path[next_step + 1];
			next_step++;
			e = event(
			        g, author, times[i], "STATUS_CHANGE",
			        strf("Status changed from %s to %s", crm_name(from), crm_name(to)));
		} else {
			switch (prng_below(g, 5)) {
			case 0: {
				char owner[ID_LEN];
				user_id(t, prng_below(g, t->users), owner, sizeof(owner));
				e = event(g, author, times[i], "OWNER_CHANGE",
				          strf("Owner set to %s", owner));
				break;
			}
			case 1: {
				char due[TIMEFMT_RFC3339_MAX];
				timefmt_format_rfc3339(times[i] + prng_range(g, 1, 30) * DAY, due);
				e = event(g, author, times[i], "NEXT_ACTION",
				          strf("Next action set to \"%s\", due %s",
				               customer_actions[ci->status][prng_below(g, 3)],
				               due));
				break;
			}
			case 2:
				e = event(g, author, times[i], "TAG_ADDED",
				          strf("Tag \"%s\" added",
				               json_string_value(json_array_get(
				                       tags,
				                       (size_t)prng_below(
				                               g, (int)json_array_size(tags))))));
				break;
			default:
				e = event(g, author, times[i], "UPDATE",
				          str(PICK(g, update_texts)));
				break;
			}
		}
		push(events, e);
	}
	*last_time = times[n - 1];
}

static json_t *customer_tags(struct prng *g)
{
	int idx[NELEM(tag_pool)];
	for (int i = 0; i < (int)NELEM(tag_pool); i++)
		idx[i] = i;
	json_t *a = new_array();
	for (int i = 0; i < 5; i++) {
		int j = i + prng_below(g, (int)NELEM(tag_pool) - i);
		int x = idx[i];
		idx[i] = idx[j];
		idx[j] = x;
		push(a, json_string(tag_pool[idx[i]]));
	}
	return a;
}

static void gen_customer(struct tenant *t, int i)
{
	struct prng *g = &t->g;
	struct customer_info *ci = &t->cust[i];
	snprintf(ci->id, sizeof(ci->id), "%s-c%06d", t->id, i);
	ci->city = prng_below(g, (int)NELEM(cities));
	ci->owner = pick_owner(g, t->users);
	ci->status = pick_status(g);
	ci->created = t->anchor - rng_span(g, 30 * DAY, 1500 * DAY);
	ci->last_opportunity = -1;
	int company = prng_chance(g, 75);
	const struct sector *sector = NULL;
	const struct city *city = &cities[ci->city];
	if (company) {
		const char *head = PICK(g, company_heads);
		sector = &sectors[prng_below(g, (int)NELEM(sectors))];
		const char *form = PICK(g, legal_forms);
		if (prng_chance(g, 30))
			snprintf(ci->name, sizeof(ci->name), "%s %s %s%s", head, sector->word,
			         city->name, form);
		else
			snprintf(ci->name, sizeof(ci->name), "%s %s%s", head, sector->word, form);
		char s[NAME_LEN];
		slug(ci->name, s, sizeof(s), '-');
		snprintf(ci->domain, sizeof(ci->domain), "%.60s.nl", s);
	} else {
		const char *first = PICK(g, first_names);
		const char *last = PICK(g, last_names);
		snprintf(ci->name, sizeof(ci->name), "%s %s", first, last);
		snprintf(ci->domain, sizeof(ci->domain), "%s", PICK(g, providers));
	}

	json_t *o = new_object();
	if (prng_chance(g, 70)) {
		json_t *av = new_object();
		put(av, "blobId", juuid(g, ci->created));
		put(av, "height", json_integer(256));
		put(av, "thumbnailBlobId", juuid(g, ci->created));
		put(av, "width", json_integer(256));
		put(o, "avatar", av);
	} else {
		put(o, "avatar", json_null());
	}
	put(o, "billingAddress", address(g, ci->city, ci->created));
	if (company) {
		put(o, "btw", strf("NL%09dB01", prng_below(g, 1000000000)));
	} else {
		put(o, "btw", json_null());
	}
	json_t *contacts = new_array();
	int ncontacts = prng_range(g, 2, 3);
	for (int k = 0; k < ncontacts; k++)
		push(contacts, contact(g, ci, ci->created, k == 0 ? ci->contact_name : NULL,
		                       ci->contact_email, ci->contact_phone));
	put(o, "contacts", contacts);
	put(o, "created", jtime(ci->created));
	put(o, "createdBy", juser(t, ci->owner >= 0 ? ci->owner : 0));
	put(o, "crmStatus", json_string(crm_name(ci->status)));
	json_t *delivery = new_array();
	int ndelivery = prng_range(g, 1, 2);
	for (int k = 0; k < ndelivery; k++)
		push(delivery, address(g, k == 0 ? ci->city : prng_below(g, (int)NELEM(cities)),
		                       ci->created));
	put(o, "deliveryAddresses", delivery);
	if (company) {
		put(o, "email", strf("info@%s", ci->domain));
	} else {
		put(o, "email", str(ci->contact_email));
	}
	json_t *tags = customer_tags(g);
	json_t *events = new_array();
	int64_t updated = ci->created;
	int updated_by = 0;
	customer_events(t, ci, events, &updated, &updated_by, tags);
	put(o, "events", events);
	put(o, "id", json_string(ci->id));
	put(o, "industry", str(sector ? sector->industry : NULL));
	if (company) {
		put(o, "kvk", strf("%08d", prng_below(g, 100000000)));
	} else {
		put(o, "kvk", json_null());
	}
	put(o, "leadSource", str(PICK(g, lead_sources)));
	put(o, "name", str(ci->name));
	/* 35% overdue, 40% due later, 25% without a next action */
	int r = prng_below(g, 100);
	if (r < 75) {
		int64_t due = r < 35 ? t->anchor - rng_span(g, HOUR, 60 * DAY)
		                     : t->anchor + rng_span(g, DAY, 90 * DAY);
		put(o, "nextAction", str(customer_actions[ci->status][prng_below(g, 3)]));
		put(o, "nextActionDueDate", jtime(due));
	} else {
		put(o, "nextAction", json_null());
		put(o, "nextActionDueDate", json_null());
	}
	put(o, "ownerId", ci->owner >= 0 ? juser(t, ci->owner) : json_null());
	char tel[32];
	phone(g, city, tel, sizeof(tel));
	put(o, "phone", str(tel));
	put(o, "preferredLanguage", str(PICK(g, languages)));
	put(o, "region", str(city->province));
	if (company && prng_chance(g, 15)) {
		put(o, "subsidiaryId", strf("%s-sub-%02d", t->id, prng_range(g, 1, 12)));
	} else {
		put(o, "subsidiaryId", json_null());
	}
	put(o, "tags", tags);
	put(o, "tenantId", json_string(t->id));
	put(o, "type", json_string(company ? "COMPANY" : "PERSON"));
	put(o, "updated", jtime(updated));
	put(o, "updatedBy", juser(t, updated_by));
	if (prng_chance(g, 30)) {
		put(o, "userId", strf("%s-portal-%06d", t->id, i));
	} else {
		put(o, "userId", json_null());
	}
	json_t *visits = new_array();
	int nvisits = prng_range(g, 1, 4);
	for (int k = 0; k < nvisits; k++) {
		json_t *v = new_object();
		put(v, "frequency", json_integer(prng_range(g, 1, 40)));
		int o1 = prng_range(g, 31, 223), o2 = prng_below(g, 256);
		int o3 = prng_below(g, 256), o4 = prng_range(g, 1, 254);
		put(v, "ip", strf("%d.%d.%d.%d", o1, o2, o3, o4));
		put(v, "time", jtime(t->anchor - rng_span(g, HOUR, 180 * DAY)));
		push(visits, v);
	}
	put(o, "visits", visits);
	if (company) {
		put(o, "website", strf("https://www.%s", ci->domain));
	} else {
		put(o, "website", json_null());
	}
	t->in_write_set = i >= t->write_from;
	emit(t, "customer", o);
	t->in_write_set = 0;
}

static json_t *id_list(struct prng *g, const char *prefix, int n, int64_t when)
{
	json_t *a = new_array();
	for (int i = 0; i < n; i++) {
		char buf[UUID_LEN];
		json_t *u = juuid(g, when);
		snprintf(buf, sizeof(buf), "%s", json_string_value(u));
		json_decref(u);
		push(a, strf("%s-%.12s", prefix, buf + 24));
	}
	return a;
}

static json_t *payment_schedule(struct prng *g, enum opp status, int64_t created,
                                int64_t order_date, const char *tenant)
{
	json_t *a = new_array();
	const struct plan *p = &plans[prng_below(g, (int)NELEM(plans))];
	for (size_t k = 0; k < p->count; k++) {
		const struct pay_step *s = &p->steps[k];
		/* a step is triggered once the opportunity reached its status */
		int reached = status != O_LOST && status >= s->status;
		const char *pstatus = "PENDING";
		if (reached)
			pstatus = status == O_COMPLETED || prng_chance(g, 50) ? "PAID" : "INVOICED";
		int64_t when = (order_date ? order_date : created) + (int64_t)(k * 20 + 1) * DAY;
		json_t *o = new_object();
		put(o, "id", juuid(g, created));
		put(o, "includeChangeOrders", json_boolean(s->with_change_orders));
		if (reached) {
			put(o, "invoiceId", strf("%s-inv-%06d", tenant, prng_below(g, 1000000)));
		} else {
			put(o, "invoiceId", json_null());
		}
		put(o, "label", str(s->label));
		put(o, "paymentDueDays", json_integer(s->due_days));
		put(o, "percentage", jreal(s->percentage, 2));
		put(o, "relativeDays", json_integer(s->relative_days));
		put(o, "status", json_string(pstatus));
		put(o, "triggerStatus", json_string(opp_name(s->status)));
		put(o, "triggerType", json_string(s->by_date ? "DATE" : "STATUS_CHANGE"));
		put(o, "triggeredAt", reached ? jtime(when) : json_null());
		push(a, o);
	}
	return a;
}

static void gen_opportunity(struct tenant *t, int j)
{
	struct prng *g = &t->g;
	int c = pick_customer(t);
	struct customer_info *ci = &t->cust[c];
	ci->last_opportunity = j;
	enum opp status = opp_status_by_crm[ci->status][prng_below(g, 4)];
	const struct offer *of = &offers[prng_below(g, (int)NELEM(offers))];
	int64_t created = ci->created + rng_span(g, DAY, t->anchor - ci->created);
	int owner = ci->owner >= 0 ? ci->owner : prng_below(g, t->users);
	char owner_id[ID_LEN], id[ID_LEN];
	user_id(t, owner, owner_id, sizeof(owner_id));
	snprintf(id, sizeof(id), "%s-o%06d", t->id, j);
	double value = (double)of->base * prng_range(g, 60, 160) / 100.0;
	int64_t order_date = status >= O_ACCEPTED && status != O_LOST
	                             ? created + rng_span(g, 7 * DAY, 60 * DAY)
	                             : 0;

	json_t *o = new_object();
	json_t *cos = new_array();
	int nco = prng_chance(g, 40) ? 0 : prng_range(g, 1, 3);
	for (int k = 0; k < nco; k++) {
		const struct change_order *co =
		        &change_orders[prng_below(g, (int)NELEM(change_orders))];
		int64_t when = created + rng_span(g, DAY, 90 * DAY);
		json_t *x = new_object();
		put(x, "amount", jreal((double)co->amount * prng_range(g, 80, 120) / 100.0, 2));
		put(x, "category", str(co->category));
		put(x, "createdAt", jtime(when));
		put(x, "createdBy", str(owner_id));
		put(x, "date", jtime(when + DAY));
		put(x, "description", str(co->description));
		put(x, "id", juuid(g, when));
		push(cos, x);
	}
	put(o, "changeOrders", cos);
	put(o, "created", jtime(created));
	put(o, "createdBy", str(owner_id));
	put(o, "customerId", json_string(ci->id));
	put(o, "description", str(of->description));
	put(o, "estimateIds", id_list(g, "est", prng_range(g, 1, 2), created));
	json_t *events = new_array();
	int64_t when = created;
	push(events, event(g, owner_id, when, "CREATE", str("Opportunity created")));
	for (int s = O_NEW; s < (int)status && s < O_COMPLETED; s++) {
		when += rng_span(g, HOUR, 10 * DAY);
		push(events, event(g, owner_id, when, "STATUS_CHANGE",
		                   strf("Status changed from %s to %s", opp_name(s),
		                        opp_name(status == O_LOST ? O_LOST : s + 1))));
		if (status == O_LOST)
			break;
	}
	if (prng_chance(g, 50)) {
		when += rng_span(g, HOUR, 5 * DAY);
		push(events,
		     event(g, owner_id, when, "UPDATE", str("Value and description updated")));
	}
	put(o, "events", events);
	put(o, "expectedCloseDate", jtime(created + rng_span(g, 30 * DAY, 120 * DAY)));
	put(o, "fulfillmentDate",
	    status == O_COMPLETED ? jtime(order_date + rng_span(g, 20 * DAY, 90 * DAY))
	                          : json_null());
	put(o, "id", json_string(id));
	put(o, "invoiceIds",
	    status >= O_EXECUTION && status != O_LOST
	            ? id_list(g, "inv", prng_range(g, 1, 3), created)
	            : new_array());
	put(o, "leadId", prng_chance(g, 40) ? strf("%s-lead-%06d", t->id, c) : json_null());
	put(o, "name", strf("%s %s", of->name, ci->name));
	if (status < O_COMPLETED) {
		put(o, "nextAction", str(opportunity_actions[status]));
		put(o, "nextActionDueDate", jtime(t->anchor + rng_span(g, -20 * DAY, 40 * DAY)));
	} else {
		put(o, "nextAction", json_null());
		put(o, "nextActionDueDate", json_null());
	}
	put(o, "notes", str(PICK(g, opportunity_notes)));
	put(o, "orderDate", order_date ? jtime(order_date) : json_null());
	put(o, "orderId", order_date ? strf("%s-ord-%06d", t->id, j) : json_null());
	put(o, "ownerId", str(owner_id));
	put(o, "paymentSchedule", payment_schedule(g, status, created, order_date, t->id));
	put(o, "probability", json_integer(opp_probability[status]));
	json_t *products = new_array();
	int nprod = prng_range(g, 1, 4);
	for (int k = 0; k < nprod; k++)
		push(products, strf("prod-%04d", prng_range(g, 1, 300)));
	put(o, "productIds", products);
	int64_t start = (order_date ? order_date : created) + rng_span(g, 14 * DAY, 60 * DAY);
	put(o, "scheduledEndDate", jdate(start + rng_span(g, 5 * DAY, 90 * DAY)));
	put(o, "scheduledStartDate", jdate(start));
	put(o, "source", str(PICK(g, sources)));
	put(o, "status", json_string(opp_name(status)));
	json_t *tags = new_array();
	if (prng_chance(g, 50))
		push(tags, json_string(PICK(g, opportunity_tags)));
	put(o, "tags", tags);
	put(o, "teamId", strf("%s-team-%d", t->id, owner % 4 + 1));
	put(o, "tenantId", json_string(t->id));
	put(o, "updated", jtime(when));
	put(o, "updatedBy", str(owner_id));
	put(o, "value", jreal(value, 2));
	emit(t, "opportunity", o);
}

static const struct act_text *pick_act_text(struct prng *g)
{
	enum act type = PICK(g, act_bag);
	int n = 0;
	for (size_t i = 0; i < NELEM(act_texts); i++)
		n += act_texts[i].type == type;
	int k = prng_below(g, n);
	for (size_t i = 0; i < NELEM(act_texts); i++)
		if (act_texts[i].type == type && k-- == 0)
			return &act_texts[i];
	return &act_texts[0];
}

static void gen_activity(struct tenant *t, int k)
{
	struct prng *g = &t->g;
	int c = pick_customer(t);
	const struct customer_info *ci = &t->cust[c];
	const struct act_text *tx = pick_act_text(g);
	int owner = ci->owner >= 0 && prng_chance(g, 80) ? ci->owner : prng_below(g, t->users);
	char owner_id[ID_LEN], id[ID_LEN];
	user_id(t, owner, owner_id, sizeof(owner_id));
	snprintf(id, sizeof(id), "%s-a%06d", t->id, k);
	int64_t scheduled = ci->created + rng_span(g, HOUR, t->anchor + 30 * DAY - ci->created);
	scheduled -= scheduled % (15 * 60 * SEC);
	int64_t created = scheduled - rng_span(g, 0, 14 * DAY);
	if (created < ci->created)
		created = ci->created;
	int done = scheduled < t->anchor && prng_chance(g, 85);
	int64_t completed_at = done ? scheduled + rng_span(g, 10 * 60 * SEC, 2 * DAY) : 0;

	json_t *o = new_object();
	json_t *att = new_array();
	if (tx->type == A_MEETING) {
		int n = prng_range(g, 1, 3);
		for (int i = 0; i < n; i++) {
			char a[64], b[64];
			slug(PICK(g, first_names), a, sizeof(a), 0);
			slug(PICK(g, last_names), b, sizeof(b), 0);
			push(att, strf("%s.%s@%s", a, b, ci->domain));
		}
	}
	put(o, "attendees", att);
	put(o, "completed", json_boolean(done));
	put(o, "completedAt", done ? jtime(completed_at) : json_null());
	put(o, "contactEmail", str(ci->contact_email));
	put(o, "contactName", str(ci->contact_name));
	put(o, "contactPhone", str(ci->contact_phone));
	put(o, "created", jtime(created));
	put(o, "createdBy", str(owner_id));
	put(o, "customerId", json_string(ci->id));
	put(o, "description", str(tx->description));
	put(o, "dueDate", tx->type == A_TASK ? jtime(scheduled + 2 * DAY) : json_null());
	put(o, "dueNotifiedAt",
	    tx->type == A_TASK && scheduled + 2 * DAY < t->anchor && !done
	            ? jtime(scheduled + 2 * DAY)
	            : json_null());
	int minutes = tx->type == A_MEETING ? 30 * prng_range(g, 1, 4)
	              : tx->type == A_CALL  ? 5 * prng_range(g, 1, 6)
	                                    : 0;
	put(o, "durationMinutes", minutes ? json_integer(minutes) : json_null());
	json_t *events = new_array();
	push(events, event(g, owner_id, created, "CREATE", str("Activity created")));
	if (done)
		push(events, event(g, owner_id, completed_at, "UPDATE", str("Activity completed")));
	put(o, "events", events);
	put(o, "id", json_string(id));
	put(o, "isCompleted", json_boolean(done));
	put(o, "location",
	    tx->type == A_MEETING ? strf("%s, %s", PICK(g, streets), cities[ci->city].name)
	                          : json_null());
	if (ci->last_opportunity >= 0 && prng_chance(g, 40)) {
		put(o, "opportunityId", strf("%s-o%06d", t->id, ci->last_opportunity));
	} else {
		put(o, "opportunityId", json_null());
	}
	put(o, "outcome", done ? str(tx->outcome) : json_null());
	put(o, "ownerId", str(owner_id));
	put(o, "priority", json_string(PICK(g, priorities)));
	put(o, "scheduledAt", jtime(scheduled));
	put(o, "subject", str(tx->subject));
	put(o, "tenantId", json_string(t->id));
	put(o, "type", json_string(act_name(tx->type)));
	put(o, "updated", jtime(done ? completed_at : created));
	put(o, "updatedBy", str(owner_id));
	emit(t, "activity", o);
}

/* ---- driver ---- */

struct options {
	int64_t anchor;
	long tenants, customers, opportunities, activities, users, write_set;
	const char *outdir;
};

static int parse_count(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const char anchor[] = "2026-11-01T00:00:00Z";
	timefmt_parse_rfc3339(anchor, sizeof(anchor) - 1, &o->anchor);
	o->tenants = 10;
	o->customers = 100000;
	o->opportunities = 50000;
	o->activities = 200000;
	o->users = 20;
	o->write_set = 500;
	o->outdir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		long *count = strcmp(a, "--tenants") == 0         ? &o->tenants
		              : strcmp(a, "--customers") == 0     ? &o->customers
		              : strcmp(a, "--opportunities") == 0 ? &o->opportunities
		              : strcmp(a, "--activities") == 0    ? &o->activities
		              : strcmp(a, "--users") == 0         ? &o->users
		              : strcmp(a, "--write-set") == 0     ? &o->write_set
		                                                  : NULL;
		if (count != NULL) {
			long lo = count == &o->opportunities || count == &o->activities ||
			                          count == &o->write_set
			                  ? 0
			                  : 1;
			if (v == NULL || parse_count(v, lo, 10000000, count) != 0) {
				fprintf(stderr, "gen-data: %s: expected a number\n", a);
				return -1;
			}
			i++;
		} else if (strcmp(a, "--anchor") == 0) {
			if (v == NULL || timefmt_parse_rfc3339(v, strlen(v), &o->anchor) != 0) {
				fprintf(stderr, "gen-data: --anchor: expected an RFC 3339 time\n");
				return -1;
			}
			o->anchor -= o->anchor % SEC;
			i++;
		} else if (a[0] != '-' && o->outdir == NULL) {
			o->outdir = a;
		} else {
			return -1;
		}
	}
	if (o->outdir == NULL || o->tenants > 99 || o->users > 99 ||
	    o->customers / o->tenants > 999999 || o->customers < o->tenants)
		return -1;
	return 0;
}

/* The share of `total` that tenant i gets (the first ones take the remainder). */
static int share(long total, long tenants, int i)
{
	return (int)(total / tenants + (i < total % tenants ? 1 : 0));
}

static int gen_tenant(const struct options *o, int i, json_t *manifest, FILE *txt)
{
	struct tenant t;
	memset(&t, 0, sizeof(t));
	t.index = i;
	snprintf(t.id, sizeof(t.id), "bt%d", i);
	prng_seed(&t.g, UINT64_C(0x5EED0000C0FFEE00) + (uint64_t)i * UINT64_C(0x100000001B3));
	t.anchor = o->anchor;
	t.users = (int)o->users;
	t.customers = share(o->customers, o->tenants, i);
	t.opportunities = share(o->opportunities, o->tenants, i);
	t.activities = share(o->activities, o->tenants, i);
	t.write_from = t.customers > o->write_set ? t.customers - (int)o->write_set : 0;
	t.cust = calloc((size_t)t.customers, sizeof(*t.cust));
	char path[4096], reset_path[4096];
	snprintf(path, sizeof(path), "%s/%s.jsonl", o->outdir, t.id);
	snprintf(reset_path, sizeof(reset_path), "%s/reset/%s.jsonl", o->outdir, t.id);
	t.out = fopen(path, "w");
	t.reset = fopen(reset_path, "w");
	if (t.cust == NULL || t.out == NULL || t.reset == NULL) {
		fprintf(stderr, "gen-data: %s: %s\n", t.out ? reset_path : path, strerror(errno));
		free(t.cust);
		if (t.out)
			fclose(t.out);
		if (t.reset)
			fclose(t.reset);
		return -1;
	}
	static char buf[1 << 20];
	setvbuf(t.out, buf, _IOFBF, sizeof(buf));
	for (int u = 0; u < t.users; u++)
		gen_user(&t, u);
	for (int c = 0; c < t.customers; c++)
		gen_customer(&t, c);
	for (int j = 0; j < t.opportunities; j++)
		gen_opportunity(&t, j);
	for (int k = 0; k < t.activities; k++)
		gen_activity(&t, k);
	int rc = fclose(t.out) == 0 && fclose(t.reset) == 0 ? 0 : -1;
	if (rc != 0)
		fprintf(stderr, "gen-data: %s: %s\n", path, strerror(errno));

	json_t *users = new_array();
	fprintf(txt, "tenant %s %d\n", t.id, t.customers);
	for (int u = 0; u < t.users; u++) {
		char id[ID_LEN];
		user_id(&t, u, id, sizeof(id));
		push(users, json_string(id));
		fprintf(txt, "user %s %s\n", t.id, id);
	}
	json_t *sample = new_array();
	int step = t.customers / 10 > 0 ? t.customers / 10 : 1;
	for (int c = 0; c < t.customers; c += step)
		push(sample, json_string(t.cust[c].id));
	char file[32];
	snprintf(file, sizeof(file), "%s.jsonl", t.id);
	json_t *entry = json_pack("{s:s,s:s,s:o,s:i,s:i,s:i,s:i,s:s,s:o,s:I}", "id", t.id, "file",
	                          file, "users", users, "customers", t.customers, "writeSetFrom",
	                          t.write_from, "opportunities", t.opportunities, "activities",
	                          t.activities, "customerIdFormat", "%s-c%06d", "sampleCustomers",
	                          sample, "lines", (json_int_t)t.lines);
	if (entry == NULL)
		die_oom();
	push(json_object_get(manifest, "tenants"), entry);
	free(t.cust);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	if (parse_options(argc, argv, &o) != 0) {
		fprintf(stderr, "usage: gen-data [--anchor TIME] [--tenants N] [--customers N] "
		                "[--opportunities N] [--activities N] [--users N] [--write-set N] "
		                "OUTDIR\n");
		return 2;
	}
	/* enum opp and enum act index the model's value sets */
	if (enum_count(ENUM_OPPORTUNITY_STATUS) != O__MAX ||
	    enum_count(ENUM_ACTIVITY_TYPE) != A__MAX || strcmp(opp_name(O_LOST), "LOST") != 0 ||
	    strcmp(act_name(A_TASK), "TASK") != 0) {
		fprintf(stderr, "gen-data: model/enums.c changed: update enum opp and enum act\n");
		return 1;
	}
	char anchor[TIMEFMT_RFC3339_MAX], path[4096];
	snprintf(path, sizeof(path), "%s/reset", o.outdir);
	if ((mkdir(o.outdir, 0755) != 0 && errno != EEXIST) ||
	    (mkdir(path, 0755) != 0 && errno != EEXIST)) {
		fprintf(stderr, "gen-data: %s: %s\n", path, strerror(errno));
		return 1;
	}
	timefmt_format_rfc3339(o.anchor, anchor);
	json_t *manifest =
	        json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:[]}", "anchor", anchor, "tenantCount",
	                  (json_int_t)o.tenants, "customers", (json_int_t)o.customers,
	                  "opportunities", (json_int_t)o.opportunities, "activities",
	                  (json_int_t)o.activities, "usersPerTenant", (json_int_t)o.users,
	                  "writeSet", (json_int_t)o.write_set, "tenants");
	snprintf(path, sizeof(path), "%s/manifest.txt", o.outdir);
	FILE *txt = fopen(path, "w");
	if (manifest == NULL || txt == NULL) {
		fprintf(stderr, "gen-data: %s: %s\n", path, strerror(errno));
		return 1;
	}
	fprintf(txt, "anchor %s\ncustomer_format %%s-c%%06d\nwrite_set %ld\n", anchor, o.write_set);
	int rc = 0;
	for (int i = 0; rc == 0 && i < (int)o.tenants; i++)
		rc = gen_tenant(&o, i, manifest, txt);
	if (fclose(txt) != 0)
		rc = -1;
	snprintf(path, sizeof(path), "%s/manifest.json", o.outdir);
	if (rc == 0 && json_dump_file(manifest, path, JSON_INDENT(2)) != 0) {
		fprintf(stderr, "gen-data: cannot write %s\n", path);
		rc = -1;
	}
	json_decref(manifest);
	return rc == 0 ? 0 : 1;
}
