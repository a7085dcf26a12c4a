/* demo_data: two Dutch demo tenants built from static tables and a PRNG seeded by the tenant. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "tools/crmctl/demo_data.h"

/*
 * Out-of-memory policy: every jansson allocation goes through put() or add(),
 * which record a failure in gen.failed instead of returning it; demo_document
 * stops at the end of the phase that failed and frees everything it built.
 *
 * Determinism: one PRNG stream per document, drawn in a fixed order.  No
 * expression draws from it twice (C leaves argument order unspecified).
 */

#define SEC_USEC  INT64_C(1000000)
#define MIN_USEC  (60 * SEC_USEC)
#define HOUR_USEC (60 * MIN_USEC)
#define DAY_USEC  (24 * HOUR_USEC)
#define NO_TIME   INT64_MIN /* a time member that is null */

#define ID_LEN           48
#define TIME_LEN         64
#define TEXT_LEN         320
#define USERS_MAX        8
#define CUSTOMERS_MAX    40
#define FOCUS_MAX        3
#define FOCUS_ACTIVITIES 11 /* activities each focus customer gets at least */
#define EVENTS_MAX       8
#define NELEM(a)         (sizeof(a) / sizeof((a)[0]))
#define PICK(g, table)   ((table)[rng_below((g), (int)NELEM(table))])

const char *const demo_tenants[2] = {"hollandtech", "polderdata"};

/* ---- value sets ---- */

enum crm { S_LEAD, S_PROSPECT, S_ACTIVE, S_CUSTOMER, S_INACTIVE, S_CHURNED, S__MAX };
static const char *const crm_names[S__MAX] = {"LEAD",     "PROSPECT", "ACTIVE",
                                              "CUSTOMER", "INACTIVE", "CHURNED"};

enum opp { O_NEW, O_DISCUSS, O_PROPOSAL, O_ACCEPTED, O_EXECUTION, O_COMPLETED, O_LOST, O__MAX };
static const char *const opp_names[O__MAX] = {
        "NEW", "IN_DISCUSSION", "PROPOSAL_SENT", "ACCEPTED", "IN_EXECUTION", "COMPLETED", "LOST",
};
static const int opp_probability[O__MAX] = {10, 25, 50, 90, 100, 100, 0};

enum act { A_CALL, A_EMAIL, A_MEETING, A_NOTE, A_TASK, A__MAX };
static const char *const act_names[A__MAX] = {"CALL", "EMAIL", "MEETING", "NOTE", "TASK"};
static const enum act act_bag[] = {A_CALL,    A_CALL,    A_CALL,    A_CALL,    A_CALL,
                                   A_EMAIL,   A_EMAIL,   A_EMAIL,   A_EMAIL,   A_EMAIL,
                                   A_MEETING, A_MEETING, A_MEETING, A_MEETING, A_NOTE,
                                   A_NOTE,    A_NOTE,    A_TASK,    A_TASK,    A_TASK};
static const char *const priority_bag[] = {"LOW",    "LOW",    "LOW",    "MEDIUM", "MEDIUM",
                                           "MEDIUM", "MEDIUM", "MEDIUM", "HIGH",   "HIGH"};

enum id_kind {
	ID_CUSTOMER,
	ID_OPPORTUNITY,
	ID_ACTIVITY,
	ID_CONTACT,
	ID_ADDRESS,
	ID_EVENT,
	ID_BLOB,
	ID_CHANGE,
	ID_PAYMENT,
	ID_INVOICE,
	ID_ESTIMATE,
	ID_ORDER,
	ID_LEAD,
	ID_PORTAL,
	ID__MAX
};
static const char *const id_kinds[ID__MAX] = {"cus", "opp", "act", "con", "adr", "evt",  "blob",
                                              "chg", "pay", "inv", "est", "ord", "lead", "portal"};

/* ---- places ---- */

enum city_id {
	AMS,
	RTM,
	DHG,
	UTR,
	EHV,
	GRQ,
	TLB,
	ALM,
	BRD,
	NMG,
	ARN,
	HLM,
	ENS,
	ZWL,
	MST,
	LWD,
	MDB,
	ASN,
	AMF,
	DLF,
	LEI,
	VNL,
	LLS,
	DBS,
	APD,
	HRN,
	EMN,
	DEV,
	GDA,
	VLS,
	CITY__MAX
};

struct city {
	const char *name, *province;
	const char *area; /* telephone area code without the leading 0 */
	double lat, lon;  /* the centre */
	int postal;       /* the lowest postal code number of the centre */
};

static const struct city cities[CITY__MAX] = {
        [AMS] = {"Amsterdam", "Noord-Holland", "20", 52.3676, 4.9041, 1012},
        [RTM] = {"Rotterdam", "Zuid-Holland", "10", 51.9244, 4.4777, 3011},
        [DHG] = {"Den Haag", "Zuid-Holland", "70", 52.0705, 4.3007, 2511},
        [UTR] = {"Utrecht", "Utrecht", "30", 52.0907, 5.1214, 3511},
        [EHV] = {"Eindhoven", "Noord-Brabant", "40", 51.4416, 5.4697, 5611},
        [GRQ] = {"Groningen", "Groningen", "50", 53.2194, 6.5665, 9711},
        [TLB] = {"Tilburg", "Noord-Brabant", "13", 51.5555, 5.0913, 5038},
        [ALM] = {"Almere", "Flevoland", "36", 52.3508, 5.2647, 1315},
        [BRD] = {"Breda", "Noord-Brabant", "76", 51.5719, 4.7683, 4811},
        [NMG] = {"Nijmegen", "Gelderland", "24", 51.8126, 5.8372, 6511},
        [ARN] = {"Arnhem", "Gelderland", "26", 51.9851, 5.8987, 6811},
        [HLM] = {"Haarlem", "Noord-Holland", "23", 52.3874, 4.6462, 2011},
        [ENS] = {"Enschede", "Overijssel", "53", 52.2215, 6.8937, 7511},
        [ZWL] = {"Zwolle", "Overijssel", "38", 52.5168, 6.0830, 8011},
        [MST] = {"Maastricht", "Limburg", "43", 50.8514, 5.6910, 6211},
        [LWD] = {"Leeuwarden", "Friesland", "58", 53.2012, 5.7999, 8911},
        [MDB] = {"Middelburg", "Zeeland", "118", 51.4988, 3.6109, 4331},
        [ASN] = {"Assen", "Drenthe", "592", 52.9928, 6.5642, 9401},
        [AMF] = {"Amersfoort", "Utrecht", "33", 52.1561, 5.3878, 3811},
        [DLF] = {"Delft", "Zuid-Holland", "15", 52.0116, 4.3571, 2611},
        [LEI] = {"Leiden", "Zuid-Holland", "71", 52.1601, 4.4970, 2311},
        [VNL] = {"Venlo", "Limburg", "77", 51.3704, 6.1724, 5911},
        [LLS] = {"Lelystad", "Flevoland", "320", 52.5185, 5.4714, 8232},
        [DBS] = {"'s-Hertogenbosch", "Noord-Brabant", "73", 51.6978, 5.3037, 5211},
        [APD] = {"Apeldoorn", "Gelderland", "55", 52.2112, 5.9699, 7311},
        [HRN] = {"Hoorn", "Noord-Holland", "229", 52.6424, 5.0602, 1621},
        [EMN] = {"Emmen", "Drenthe", "591", 52.7858, 6.8976, 7811},
        [DEV] = {"Deventer", "Overijssel", "570", 52.2550, 6.1639, 7411},
        [GDA] = {"Gouda", "Zuid-Holland", "182", 52.0115, 4.7105, 2801},
        [VLS] = {"Vlissingen", "Zeeland", "118", 51.4426, 3.5736, 4381},
};

static const char *const streets[] = {
        "Industrieweg",   "Stationsplein", "Kerkstraat",  "Havenstraat",    "Schoolstraat",
        "Molenstraat",    "Parallelweg",   "Energieweg",  "Nijverheidsweg", "Hoofdstraat",
        "Handelskade",    "Marktplein",    "Dorpsstraat", "Zuiderweg",      "Ambachtsweg",
        "Wilhelminalaan", "Julianastraat", "Oranjelaan",
};
static const char postal_letters[] = "ABCDEGHJKLMNPRTVWXZ"; /* no S: SA, SD, SS are not used */
static const char *const house_suffixes[] = {"", "", "", "", "", "A", "B", "-1", "-3"};

/* ---- people and words ---- */

static const char *const first_names[] = {
        "Anna",  "Bram", "Daan",   "Emma",    "Femke", "Gijs",    "Hanna", "Iris",
        "Jesse", "Kees", "Lieke",  "Maarten", "Nina",  "Olaf",    "Ruben", "Sanne",
        "Thijs", "Vera", "Willem", "Yara",    "Bas",   "Marloes", "Joris", "Ilse",
};
static const char *const last_names[] = {
        "de Vries", "Jansen",   "van den Berg", "Bakker",         "Visser",  "Smit",
        "Meijer",   "de Boer",  "Mulder",       "de Groot",       "Bos",     "Vos",
        "Peters",   "Hendriks", "van Leeuwen",  "Dekker",         "Brouwer", "de Wit",
        "Dijkstra", "Smits",    "de Graaf",     "van der Linden", "Kok",     "Jacobs",
};
static const char *const departments[] = {
        "Directie",   "Inkoop", "Financiële administratie", "ICT", "Facilitair", "Marketing",
        "Operations", "HR",
};
static const char *const mailboxes[] = {"info", "contact", "administratie", "hallo"};
static const char *const lead_sources[] = {
        "Website", "Beurs", "Referral", "LinkedIn", "Koude acquisitie", "Google Ads", "Partner",
};
static const char *const tag_pool[] = {
        "vip",
        "retail",
        "nieuwsbrief",
        "beurs-2026",
        "mkb",
        "partner",
        "onderhoudscontract",
        "duurzaam",
        "prioriteit",
        "cloud",
        "webinar",
        "upsell-kans",
};
static const char *const opportunity_tags[] = {
        "raamcontract", "subsidie", "spoed", "upsell", "meerjarig", "pilot",
};
static const char *const opportunity_notes[] = {
        "Klant wil starten na de zomervakantie.",
        "Budget is goedgekeurd door de directie.",
        "Concurrent heeft ook een offerte uitgebracht.",
        "Beslissing valt in het MT-overleg van volgende maand.",
        "Klant vraagt om een gespreide betaling.",
};

/* Two next actions for each crmStatus. */
static const char *const customer_actions[S__MAX][2] = {
        [S_LEAD] = {"Kennismakingsgesprek inplannen", "Eerste contact opnemen per telefoon"},
        [S_PROSPECT] = {"Offerte nabellen", "Demo op locatie inplannen"},
        [S_ACTIVE] = {"Voortgang project bespreken", "Contractverlenging voorbereiden"},
        [S_CUSTOMER] = {"Kwartaalevaluatie plannen", "Upsell-voorstel sturen"},
        [S_INACTIVE] = {"Heractivatie-aanbod sturen", "Tevredenheidsgesprek voeren"},
        [S_CHURNED] = {"Exitgesprek evalueren", "Win-back actie overwegen"},
};
static const char *const opportunity_actions[O__MAX] = {
        [O_NEW] = "Behoeften inventariseren",       [O_DISCUSS] = "Vervolgafspraak plannen",
        [O_PROPOSAL] = "Offerte nabellen",          [O_ACCEPTED] = "Kick-off inplannen",
        [O_EXECUTION] = "Voortgangsoverleg houden",
};

/* The statuses an opportunity of a customer in each crmStatus may have. */
static const enum opp opp_status_by_crm[S__MAX][4] = {
        [S_LEAD] = {O_NEW, O_NEW, O_DISCUSS, O_DISCUSS},
        [S_PROSPECT] = {O_DISCUSS, O_PROPOSAL, O_NEW, O_LOST},
        [S_ACTIVE] = {O_PROPOSAL, O_ACCEPTED, O_EXECUTION, O_DISCUSS},
        [S_CUSTOMER] = {O_EXECUTION, O_COMPLETED, O_ACCEPTED, O_COMPLETED},
        [S_INACTIVE] = {O_COMPLETED, O_LOST, O_COMPLETED, O_LOST},
        [S_CHURNED] = {O_LOST, O_COMPLETED, O_LOST, O_LOST},
};

struct change_order {
	const char *category, *description;
	long amount; /* euros; negative for less work */
};
static const struct change_order change_orders[] = {
        {"Meerwerk", "Extra netwerkaansluitingen op de tweede verdieping", 1250},
        {"Minderwerk", "Training voor beheerders vervalt", -600},
        {"Hardware", "Vier extra access points", 980},
        {"Licenties", "Tien extra gebruikerslicenties", 1440},
        {"Uren", "Aanvullende consultancy-uren", 2100},
        {"Meerwerk", "Koppeling met extra databron", 1750},
};

enum trigger { TRIG_STATUS, TRIG_DATE };
struct pay_step {
	const char *label;
	double percentage;
	enum trigger type;
	enum opp status; /* the status that triggers it (DATE: counted from it) */
	int relative_days, due_days, with_change_orders;
};
static const struct pay_step plan_once[] = {
        {"Volledige betaling bij oplevering", 100, TRIG_STATUS, O_COMPLETED, 0, 30, 1},
};
static const struct pay_step plan_two[] = {
        {"Aanbetaling 30%", 30, TRIG_STATUS, O_ACCEPTED, 0, 14, 0},
        {"Restbetaling 70%", 70, TRIG_STATUS, O_COMPLETED, 0, 30, 1},
};
static const struct pay_step plan_three[] = {
        {"Aanbetaling 30%", 30, TRIG_STATUS, O_ACCEPTED, 0, 14, 0},
        {"Tweede termijn 40%", 40, TRIG_DATE, O_EXECUTION, 30, 30, 0},
        {"Eindafrekening 30%", 30, TRIG_STATUS, O_COMPLETED, 0, 30, 1},
};
struct plan {
	const struct pay_step *steps;
	size_t count;
};
static const struct plan plans[] = {
        {NULL, 0},
        {plan_once, NELEM(plan_once)},
        {plan_two, NELEM(plan_two)},
        {plan_three, NELEM(plan_three)},
};

/* Subject, description and outcome of an activity, by type and language. */
struct act_text {
	enum act type;
	int english;
	const char *subject, *description, *outcome;
};
static const struct act_text act_texts[] = {
        {A_CALL, 0, "Telefonisch contact over offerte", "Offerte doorgenomen en vragen beantwoord.",
         "Klant overweegt de offerte en belt volgende week terug."},
        {A_CALL, 0, "Nabellen na demo", "Reacties op de demo van vorige week opgehaald.",
         "Positief; klant wil een proefperiode."},
        {A_CALL, 0, "Storing besproken", "Klant meldde problemen met de verbinding op kantoor.",
         "Oorzaak gevonden, ticket aangemaakt."},
        {A_CALL, 1, "Follow-up call on proposal",
         "Walked through the proposal and answered questions.",
         "Customer will decide by the end of the month."},
        {A_CALL, 1, "Introduction call", "First call to understand the customer's needs.",
         "Good fit; meeting scheduled."},
        {A_EMAIL, 0, "Offerte verstuurd",
         "Offerte met planning en voorwaarden per e-mail verstuurd.",
         "Ontvangst bevestigd door de klant."},
        {A_EMAIL, 0, "Reactie op nieuwsbrief",
         "Vraag naar aanleiding van de nieuwsbrief beantwoord.",
         "Klant wil meer informatie ontvangen."},
        {A_EMAIL, 0, "Factuurvraag beantwoord", "Vraag over de laatste factuur beantwoord.",
         "Opgelost."},
        {A_EMAIL, 1, "Sent case study", "Shared a case study from a customer in the same sector.",
         "Customer found it useful."},
        {A_EMAIL, 1, "Meeting confirmation", "Confirmed the date and agenda of the next meeting.",
         "Confirmed."},
        {A_MEETING, 0, "Kennismakingsgesprek",
         "Kennismaking op kantoor van de klant; wensen en budget besproken.",
         "Klant wil een offerte ontvangen."},
        {A_MEETING, 0, "Kwartaalevaluatie",
         "Evaluatie van de dienstverlening van het afgelopen kwartaal.",
         "Tevreden; twee verbeterpunten afgesproken."},
        {A_MEETING, 0, "Workshop wensen en eisen",
         "Workshop met de key users om de eisen vast te leggen.", "Eisen vastgelegd in verslag."},
        {A_MEETING, 1, "Quarterly business review", "Review of service levels and the roadmap.",
         "Customer is happy; expansion to be discussed next quarter."},
        {A_MEETING, 1, "Project kick-off", "Kick-off with the project team and stakeholders.",
         "Planning agreed."},
        {A_NOTE, 0, "Contactpersoon gewijzigd", "Nieuwe contactpersoon voor inkoop genoteerd.",
         "Gegevens bijgewerkt."},
        {A_NOTE, 0, "Budgetcyclus",
         "Budget wordt in september vastgesteld; daarvoor geen beslissingen.", "Genoteerd."},
        {A_NOTE, 0, "Gesprek op de beurs", "Gesproken op de beurs; interesse in onze diensten.",
         "Lead gekwalificeerd."},
        {A_NOTE, 1, "Decision makers", "The CFO and the IT manager decide together.", "Noted."},
        {A_NOTE, 1, "Competitor involved", "The customer is also talking to a competitor.",
         "Noted."},
        {A_TASK, 0, "Offerte opstellen", "Offerte opstellen op basis van het kennismakingsgesprek.",
         "Offerte verstuurd."},
        {A_TASK, 0, "Contract klaarzetten", "Contract voorbereiden voor ondertekening.",
         "Contract getekend retour ontvangen."},
        {A_TASK, 0, "Installatie inplannen", "Planning maken met de monteurs en consultants.",
         "Ingepland."},
        {A_TASK, 1, "Prepare proposal", "Draft a proposal based on the discovery call.",
         "Proposal sent."},
        {A_TASK, 1, "Send onboarding pack", "Send the onboarding documents and portal login.",
         "Sent."},
};

/* ---- the tenants ---- */

struct demo_user {
	const char *username, *display;
};

enum ctype { PERSON, COMPANY };

struct demo_customer {
	const char *name;
	const char *domain;   /* company: web and mail domain; person: mail provider */
	const char *industry; /* NULL for private persons */
	enum ctype type;
	enum city_id city;
	enum crm status;
	int owner; /* 1..users; 0: no owner */
	const char *lang;
};

struct offer {
	const char *name, *description;
	long base; /* typical value in euros */
};

struct tenant_def {
	const char *tenant, *prefix, *domain;
	const struct demo_user *users;
	size_t nusers;
	const struct demo_customer *customers;
	size_t ncustomers;
	const struct offer *offers;
	size_t noffers;
	size_t nopportunities, nactivities;
	size_t focus[FOCUS_MAX]; /* customers with a long activity history */
};

static const struct demo_user ht_users[] = {
        {"anna.devries", "Anna de Vries"},       {"joost.vandenberg", "Joost van den Berg"},
        {"fatima.elamrani", "Fatima El Amrani"}, {"pieter.smit", "Pieter Smit"},
        {"lotte.jansen", "Lotte Jansen"},
};

static const struct demo_customer ht_customers[] = {
        {"Bakkerij Jansen B.V.", "bakkerijjansen.nl", "Voedingsmiddelen", COMPANY, UTR, S_CUSTOMER,
         1, "nl"},
        {"Van der Meer Installatietechniek", "vandermeer-installatie.nl", "Installatietechniek",
         COMPANY, AMF, S_ACTIVE, 1, "nl"},
        {"Sanne Bakker", "ziggo.nl", NULL, PERSON, HLM, S_LEAD, 2, "nl"},
        {"De Groot Transport B.V.", "degroottransport.nl", "Logistiek", COMPANY, RTM, S_CUSTOMER, 1,
         "nl"},
        {"Tandartspraktijk Zonneveld", "tandartszonneveld.nl", "Zorg", COMPANY, LEI, S_PROSPECT, 3,
         "nl"},
        {"Hotel De Gouden Leeuw", "goudenleeuwhotel.nl", "Horeca", COMPANY, MST, S_ACTIVE, 2, "nl"},
        {"Brouwer & Zonen Bouwbedrijf", "brouwerbouw.nl", "Bouw", COMPANY, ZWL, S_CUSTOMER, 1,
         "nl"},
        {"Stichting Kinderopvang Zonnestraal", "kinderopvangzonnestraal.nl", "Onderwijs", COMPANY,
         ALM, S_LEAD, 4, "nl"},
        {"Accountantskantoor Visser & Partners", "visserpartners.nl", "Financiële dienstverlening",
         COMPANY, DHG, S_INACTIVE, 1, "nl"},
        {"Dutch Harbour Logistics B.V.", "dutchharbourlogistics.com", "Logistiek", COMPANY, RTM,
         S_PROSPECT, 5, "en"},
        {"Tuincentrum Het Groene Hart", "groenehart-tuin.nl", "Detailhandel", COMPANY, GDA,
         S_ACTIVE, 2, "nl"},
        {"Mark de Jong", "gmail.com", NULL, PERSON, UTR, S_PROSPECT, 0, "nl"},
        {"Fysiotherapie Oost", "fysio-oost.nl", "Zorg", COMPANY, ENS, S_CUSTOMER, 3, "nl"},
        {"Garagebedrijf Willems", "garagewillems.nl", "Automotive", COMPANY, VNL, S_CHURNED, 4,
         "nl"},
        {"Kaasboerderij Hoogland", "kaasboerderijhoogland.nl", "Agrarisch", COMPANY, HRN, S_LEAD, 0,
         "nl"},
        {"Smit Advocaten", "smitadvocaten.nl", "Juridische dienstverlening", COMPANY, AMS, S_ACTIVE,
         1, "nl"},
        {"Bibliotheek Midden-Brabant", "bibliotheekmb.nl", "Cultuur", COMPANY, TLB, S_PROSPECT, 5,
         "nl"},
        {"Hendriks Metaalbewerking B.V.", "hendriksmetaal.nl", "Industrie", COMPANY, EHV,
         S_CUSTOMER, 2, "nl"},
        {"Lisa Vermeulen", "kpnmail.nl", NULL, PERSON, NMG, S_CUSTOMER, 3, "nl"},
        {"Bloemenhandel Van Dijk", "bloemenvandijk.nl", "Detailhandel", COMPANY, DLF, S_INACTIVE, 4,
         "nl"},
        {"Nordic Solar Netherlands B.V.", "nordicsolar.eu", "Energie", COMPANY, GRQ, S_LEAD, 1,
         "en"},
        {"Autoschade Mulder", "autoschademulder.nl", "Automotive", COMPANY, APD, S_ACTIVE, 5, "nl"},
        {"Huisartsenpraktijk De Linde", "huisartsdelinde.nl", "Zorg", COMPANY, ARN, S_CUSTOMER, 1,
         "nl"},
        {"Drukkerij Peters", "drukkerijpeters.nl", "Grafische industrie", COMPANY, BRD, S_CHURNED,
         2, "nl"},
        {"Coffeelab Amsterdam", "coffeelab.amsterdam", "Horeca", COMPANY, AMS, S_PROSPECT, 3, "en"},
        {"Timmerfabriek De Boer", "timmerfabriekdeboer.nl", "Bouw", COMPANY, LWD, S_ACTIVE, 4,
         "nl"},
        {"Jeroen Kok", "hotmail.com", NULL, PERSON, DBS, S_INACTIVE, 0, "nl"},
        {"Schoonmaakbedrijf Schoon & Snel B.V.", "schoonensnel.nl", "Facilitaire dienstverlening",
         COMPANY, RTM, S_CUSTOMER, 1, "nl"},
        {"Makelaardij Dekker", "dekkermakelaardij.nl", "Vastgoed", COMPANY, AMF, S_LEAD, 2, "nl"},
        {"Zeeuwse Mosselhandel B.V.", "zeeuwsemossel.nl", "Voedingsmiddelen", COMPANY, MDB,
         S_ACTIVE, 5, "nl"},
        {"Rijschool Veilig Verkeer", "rijschoolveiligverkeer.nl", "Onderwijs", COMPANY, ASN,
         S_CHURNED, 3, "nl"},
        {"Van Leeuwen Elektrotechniek", "vanleeuwen-elektro.nl", "Installatietechniek", COMPANY,
         DEV, S_PROSPECT, 1, "nl"},
        {"Emma de Wit", "ziggo.nl", NULL, PERSON, AMS, S_ACTIVE, 4, "en"},
        {"Fietsenwinkel Bos", "fietsenbos.nl", "Detailhandel", COMPANY, GRQ, S_LEAD, 5, "nl"},
        {"Verpakkingsindustrie Noord B.V.", "verpakkingnoord.nl", "Industrie", COMPANY, EMN,
         S_CUSTOMER, 1, "nl"},
};

static const struct offer ht_offers[] = {
        {"Microsoft 365-migratie",
         "Migratie van de eigen mailserver naar Microsoft 365, met training.", 8500},
        {"Netwerkvernieuwing", "Vervanging van switches en wifi-accesspoints op alle locaties.",
         14500},
        {"Managed werkplekken", "Beheer van laptops en werkplekken voor een vast bedrag per maand.",
         21000},
        {"Cloud back-up", "Dagelijkse off-site back-up met een maandelijkse hersteltest.", 4200},
        {"Website en webshop", "Nieuwe responsive website met koppeling aan het kassasysteem.",
         12000},
        {"Cybersecurity-scan", "Kwetsbaarhedenscan van netwerk en werkplekken, met advies.", 3500},
        {"VoIP-telefonie", "Overstap naar VoIP-telefonie met twintig toestellen.", 6800},
        {"Servervirtualisatie",
         "Consolidatie van vier fysieke servers op een gevirtualiseerd cluster.", 18500},
};

static const struct demo_user pd_users[] = {
        {"daan.visser", "Daan Visser"},
        {"eva.mulder", "Eva Mulder"},
        {"sem.deboer", "Sem de Boer"},
        {"noor.hendriks", "Noor Hendriks"},
};

static const struct demo_customer pd_customers[] = {
        {"Zuivelcoöperatie De Polder U.A.", "zuiveldepolder.nl", "Voedingsmiddelen", COMPANY, LWD,
         S_CUSTOMER, 1, "nl"},
        {"Van Dam Logistiek B.V.", "vandamlogistiek.nl", "Logistiek", COMPANY, VNL, S_ACTIVE, 1,
         "nl"},
        {"Zorggroep Het Baken", "zorggroephetbaken.nl", "Zorg", COMPANY, ZWL, S_PROSPECT, 2, "nl"},
        {"Energiecoöperatie Zonnewind", "zonnewind.nl", "Energie", COMPANY, GRQ, S_LEAD, 3, "nl"},
        {"Sophie Meijer", "gmail.com", NULL, PERSON, UTR, S_PROSPECT, 0, "nl"},
        {"Koffiebranderij Aroma B.V.", "koffiearoma.nl", "Detailhandel", COMPANY, HLM, S_ACTIVE, 4,
         "nl"},
        {"Sportfondsen Oost", "sportfondsenoost.nl", "Recreatie", COMPANY, ENS, S_INACTIVE, 2,
         "nl"},
        {"Woonstichting De Vaart", "woonstichtingdevaart.nl", "Vastgoed", COMPANY, DEV, S_CUSTOMER,
         1, "nl"},
        {"Greenhouse Analytics Westland B.V.", "greenhouse-analytics.com", "Agrarisch", COMPANY,
         DHG, S_LEAD, 1, "en"},
        {"Kuipers Verzekeringen", "kuipersverzekeringen.nl", "Financiële dienstverlening", COMPANY,
         DBS, S_CUSTOMER, 3, "nl"},
        {"Tim van Beek", "outlook.com", NULL, PERSON, EHV, S_LEAD, 4, "nl"},
        {"Opleidingscentrum Flevoland", "ocflevoland.nl", "Onderwijs", COMPANY, LLS, S_PROSPECT, 1,
         "nl"},
        {"Bouwmaterialen Groothandel Pols", "polsbouwmaterialen.nl", "Groothandel", COMPANY, TLB,
         S_ACTIVE, 2, "nl"},
        {"Marine Data Services B.V.", "marinedataservices.com", "Maritiem", COMPANY, VLS, S_CHURNED,
         3, "en"},
        {"Apotheek De Vijzel", "apotheekdevijzel.nl", "Zorg", COMPANY, AMS, S_ACTIVE, 1, "nl"},
        {"Evenementenbureau Feestfabriek", "feestfabriek.nl", "Evenementen", COMPANY, ARN,
         S_CHURNED, 4, "nl"},
        {"Agrarisch Loonbedrijf Kamps", "loonbedrijfkamps.nl", "Agrarisch", COMPANY, EMN,
         S_CUSTOMER, 2, "nl"},
        {"Fleur Dekker", "ziggo.nl", NULL, PERSON, LEI, S_INACTIVE, 0, "nl"},
        {"Uitgeverij Het Kompas", "uitgeverijhetkompas.nl", "Media", COMPANY, AMS, S_PROSPECT, 1,
         "nl"},
        {"Recyclingbedrijf Circulair Noord B.V.", "circulairnoord.nl", "Afvalverwerking", COMPANY,
         ASN, S_ACTIVE, 3, "nl"},
        {"Laboratorium BioMaas", "biomaaslab.nl", "Life sciences", COMPANY, MST, S_CUSTOMER, 1,
         "en"},
        {"Reisbureau Zonvakanties", "zonvakanties.nl", "Toerisme", COMPANY, BRD, S_LEAD, 0, "nl"},
        {"Slagerij Van Vliet", "slagerijvanvliet.nl", "Voedingsmiddelen", COMPANY, HRN, S_INACTIVE,
         4, "nl"},
        {"Polder Pumps International B.V.", "polderpumps.com", "Industrie", COMPANY, MDB,
         S_CUSTOMER, 2, "en"},
        {"Tandtechniek Amersfoort", "tandtechniekamersfoort.nl", "Zorg", COMPANY, AMF, S_ACTIVE, 3,
         "nl"},
};

static const struct offer pd_offers[] = {
        {"Datawarehouse-inrichting",
         "Centraal datawarehouse met dagelijkse laadstraat uit de bronnen.", 32000},
        {"Power BI-dashboards", "Managementdashboards in Power BI op basis van de bestaande data.",
         9500},
        {"AVG-audit", "Onderzoek naar de verwerking van persoonsgegevens en een verbeterplan.",
         5400},
        {"Datamigratie ERP", "Opschonen en migreren van stamgegevens naar het nieuwe ERP-systeem.",
         24000},
        {"Voorspellend onderhoud", "Machine-learningmodel dat storingen aan machines voorspelt.",
         45000},
        {"Datakwaliteitsscan", "Meting van de kwaliteit van klant- en productgegevens.", 6200},
        {"Klantsegmentatie", "Analyse en segmentatie van het klantenbestand voor marketing.",
         11500},
};

static const struct tenant_def tenants[] = {
        {"hollandtech",
         "ht",
         "hollandtech.nl",
         ht_users,
         NELEM(ht_users),
         ht_customers,
         NELEM(ht_customers),
         ht_offers,
         NELEM(ht_offers),
         32,
         82,
         {0, 3, 15}},
        {"polderdata",
         "pd",
         "polderdata.nl",
         pd_users,
         NELEM(pd_users),
         pd_customers,
         NELEM(pd_customers),
         pd_offers,
         NELEM(pd_offers),
         28,
         78,
         {0, 7, 14}},
};

_Static_assert(NELEM(ht_users) <= USERS_MAX && NELEM(pd_users) <= USERS_MAX, "users");
_Static_assert(NELEM(ht_customers) <= CUSTOMERS_MAX && NELEM(pd_customers) <= CUSTOMERS_MAX,
               "customers");

/* ---- generator state ---- */

struct cust_state {
	json_t *obj; /* borrowed: the customer in the customers array */
	int64_t created;
	int age_days; /* whole days between created and today, at least 30 */
	int owner;    /* 1..users; 0: no owner */
	int english;  /* preferredLanguage "en" */
};

struct gen {
	const struct tenant_def *t;
	uint64_t rng;
	int64_t today; /* 00:00:00 UTC of the day of `now` */
	unsigned counter[ID__MAX];
	char user_id[USERS_MAX][ID_LEN];
	struct cust_state cust[CUSTOMERS_MAX];
	json_t *opps; /* borrowed: the opportunities built so far */
	int failed;   /* an allocation failed */
};

/* ---- PRNG (splitmix64) ---- */

static uint64_t rng_next(struct gen *g)
{
	uint64_t z = (g->rng += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Uniform in 0..n-1 (0 when n <= 0). */
static int rng_below(struct gen *g, int n)
{
	return n > 0 ? (int)(rng_next(g) % (uint64_t)n) : 0;
}

/* Uniform in lo..hi. */
static int rng_range(struct gen *g, int lo, int hi)
{
	return lo + rng_below(g, hi - lo + 1);
}

static int rng_chance(struct gen *g, int percent)
{
	return rng_below(g, 100) < percent;
}

/* FNV-1a of the tenant name: the PRNG's seed. */
static uint64_t seed_of(const char *s)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
	return h;
}

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

/* ---- time ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Civil date of a day count since 1970-01-01 (H. Hinnant's days-from-civil, inverted). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* "YYYY-MM-DDTHH:MM:SSZ" (with_time) or "YYYY-MM-DD" of t, in UTC. */
static void fmt_time(int64_t t, int with_time, char out[TIME_LEN])
{
	int64_t days = floor_div(t, DAY_USEC);
	int secs = (int)((t - days * DAY_USEC) / SEC_USEC);
	int y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	if (with_time)
		snprintf(out, TIME_LEN, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, secs / 3600,
		         secs / 60 % 60, secs % 60);
	else
		snprintf(out, TIME_LEN, "%04d-%02u-%02u", y, m, d);
}

static json_t *j_time(int64_t t)
{
	char buf[TIME_LEN];
	if (t == NO_TIME)
		return json_null();
	fmt_time(t, 1, buf);
	return json_string(buf);
}

static json_t *j_date(int64_t t)
{
	char buf[TIME_LEN];
	if (t == NO_TIME)
		return json_null();
	fmt_time(t, 0, buf);
	return json_string(buf);
}

/* A time of day in office hours (07:00..15:55 UTC, 08:00..17:55 in Dutch time). */
static int64_t work_time(struct gen *g)
{
	int64_t hour = rng_range(g, 7, 15);
	return hour * HOUR_USEC + rng_below(g, 12) * 5 * MIN_USEC;
}

/* t moved to office hours on its own day, unless that leaves (after, before); then t
   itself, or just after `after` when t is not later than it (keeps events ordered). */
static int64_t office_time(struct gen *g, int64_t t, int64_t after, int64_t before)
{
	int64_t moved = floor_div(t, DAY_USEC) * DAY_USEC + work_time(g);
	if (moved > after && moved < before)
		return moved;
	return t > after ? t : after + 5 * MIN_USEC;
}

/* ---- building blocks ---- */

/* obj[key] = v, stealing v; a NULL v or a failed set marks the run failed. */
static void put(struct gen *g, json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, key, v) != 0)
		g->failed = 1;
}

/* Appends v to arr, stealing v; returns 0, or -1 and marks the run failed. */
static int add(struct gen *g, json_t *arr, json_t *v)
{
	if (v == NULL || json_array_append_new(arr, v) != 0) {
		g->failed = 1;
		return -1;
	}
	return 0;
}

static json_t *j_str(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A string member of obj, or "" when it is missing. */
static const char *str_of(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s != NULL ? s : "";
}

/* The next id of a kind: "ht-cus-0001", "pd-evt-0123". */
static void new_id(struct gen *g, enum id_kind kind, char out[ID_LEN])
{
	snprintf(out, ID_LEN, "%s-%s-%04u", g->t->prefix, id_kinds[kind], ++g->counter[kind]);
}

static json_t *j_new_id(struct gen *g, enum id_kind kind)
{
	char id[ID_LEN];
	new_id(g, kind, id);
	return json_string(id);
}

static int rand_user(struct gen *g)
{
	return rng_below(g, (int)g->t->nusers);
}

/* The customer's owner (0-based), or any user when it has none. */
static int owner_or_any(struct gen *g, const struct cust_state *cs)
{
	return cs->owner > 0 ? cs->owner - 1 : rand_user(g);
}

/* Appends the lower-case ASCII letters and digits of src to out (size n). */
static void slug_append(char *out, size_t n, const char *src)
{
	size_t len = strlen(out);
	for (; *src != '\0' && len + 1 < n; src++) {
		char c = *src;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[len++] = c;
	}
	out[len] = '\0';
}

/* "first.last@domain" in lower case without spaces. */
static void make_email(char *out, size_t n, const char *first, const char *last, const char *domain)
{
	out[0] = '\0';
	slug_append(out, n, first);
	size_t len = strlen(out);
	snprintf(out + len, n - len, ".");
	slug_append(out, n, last);
	len = strlen(out);
	snprintf(out + len, n - len, "@%s", domain);
}

/* "user@tenant-domain" of a user (0-based). */
static void user_email(const struct gen *g, int user, char *out, size_t n)
{
	snprintf(out, n, "%s@%s", g->t->users[user].username, g->t->domain);
}

/* ---- events and history ---- */

struct ev_plan {
	const char *type;
	int author; /* user, 0-based */
	int64_t at;
	char description[TEXT_LEN];
};

struct history {
	struct ev_plan ev[EVENTS_MAX];
	int n;
};

__attribute__((format(printf, 5, 6))) static void
hist_add(struct history *h, const char *type, int author, int64_t at, const char *fmt, ...)
{
	va_list ap;
	if (h->n >= EVENTS_MAX)
		return;
	struct ev_plan *e = &h->ev[h->n++];
	e->type = type;
	e->author = author;
	e->at = at;
	va_start(ap, fmt);
	vsnprintf(e->description, sizeof(e->description), fmt, ap);
	va_end(ap);
}

/* Dates the events evenly from `from` (the first) to `to` (the last), in office hours. */
static void hist_spread(struct gen *g, struct history *h, int64_t from, int64_t to)
{
	h->ev[0].at = from;
	for (int k = 1; k < h->n - 1; k++)
		h->ev[k].at =
		        office_time(g, from + (to - from) * k / (h->n - 1), h->ev[k - 1].at, to);
	if (h->n > 1)
		h->ev[h->n - 1].at = to;
}

static json_t *event_new(struct gen *g, const struct ev_plan *e)
{
	char id[ID_LEN], date[TIME_LEN];
	new_id(g, ID_EVENT, id);
	fmt_time(e->at, 1, date);
	return json_pack("{s:s,s:s,s:s,s:s,s:s}", "authorId", g->user_id[e->author], "date", date,
	                 "description", e->description, "id", id, "type", e->type);
}

/* events, created, createdBy, updated and updatedBy of obj, from h (n >= 1). */
static void put_history(struct gen *g, json_t *obj, const struct history *h)
{
	json_t *events = json_array();
	for (int k = 0; k < h->n; k++)
		add(g, events, event_new(g, &h->ev[k]));
	put(g, obj, "events", events);
	put(g, obj, "created", j_time(h->ev[0].at));
	put(g, obj, "createdBy", json_string(g->user_id[h->ev[0].author]));
	put(g, obj, "updated", j_time(h->ev[h->n - 1].at));
	put(g, obj, "updatedBy", json_string(g->user_id[h->ev[h->n - 1].author]));
}

/* ---- users ---- */

static json_t *build_users(struct gen *g)
{
	json_t *users = json_array();
	for (size_t i = 0; i < g->t->nusers; i++) {
		snprintf(g->user_id[i], ID_LEN, "%s-u%zu", g->t->tenant, i + 1);
		add(g, users,
		    json_pack("{s:s,s:s,s:s}", "displayName", g->t->users[i].display, "id",
		              g->user_id[i], "username", g->t->users[i].username));
	}
	return users;
}

/* ---- customers ---- */

/* A BTW number "NL" + 9 digits passing the 11-test + "B01". */
static void make_btw(struct gen *g, char *out, size_t n)
{
	long number;
	int sum;
	do {
		number = rng_range(g, 1, 9);
		sum = (int)number * 9;
		for (int k = 1; k < 8; k++) {
			int digit = rng_below(g, 10);
			number = number * 10 + digit;
			sum += digit * (9 - k);
		}
	} while (sum % 11 == 10);
	snprintf(out, n, "NL%09ldB01", number * 10 + sum % 11);
}

/* "+31 20 123 4567" for a two-digit area code, "+31 118 123 456" for three. */
static void landline(struct gen *g, enum city_id city, char *out, size_t n)
{
	const char *area = cities[city].area;
	int head = rng_range(g, 200, 999);
	int tail = rng_below(g, strlen(area) == 2 ? 10000 : 1000);
	if (strlen(area) == 2)
		snprintf(out, n, "+31 %s %03d %04d", area, head, tail);
	else
		snprintf(out, n, "+31 %s %03d %03d", area, head, tail);
}

static void mobile(struct gen *g, char *out, size_t n)
{
	int head = rng_range(g, 1000, 5999);
	int tail = rng_below(g, 10000);
	snprintf(out, n, "+31 6 %04d %04d", head, tail);
}

/* Splits "Sanne Bakker" into "Sanne" and "Bakker". */
static void split_name(const char *name, char *first, char *last, size_t n)
{
	const char *space = strchr(name, ' ');
	size_t len = space ? (size_t)(space - name) : strlen(name);
	snprintf(first, n, "%.*s", (int)len, name);
	snprintf(last, n, "%s", space ? space + 1 : "");
}

/* kvk, btw, industry, region, leadSource, preferredLanguage, subsidiaryId, userId. */
static void customer_registry(struct gen *g, json_t *c, const struct demo_customer *dc)
{
	char kvk[16], btw[32], sub[ID_LEN];
	int company = dc->type == COMPANY;

	snprintf(kvk, sizeof(kvk), "%08d", rng_range(g, 10000000, 99999999));
	make_btw(g, btw, sizeof(btw));
	snprintf(sub, sizeof(sub), "%s-sub-%s", g->t->prefix, rng_chance(g, 50) ? "noord" : "zuid");
	put(g, c, "kvk", company ? json_string(kvk) : json_null());
	put(g, c, "btw", company ? json_string(btw) : json_null());
	put(g, c, "industry", j_str(dc->industry));
	put(g, c, "region", json_string(cities[dc->city].province));
	put(g, c, "leadSource", json_string(PICK(g, lead_sources)));
	put(g, c, "preferredLanguage", json_string(dc->lang));
	put(g, c, "subsidiaryId", company && rng_chance(g, 20) ? json_string(sub) : json_null());
	put(g, c, "userId", !company && rng_chance(g, 50) ? j_new_id(g, ID_PORTAL) : json_null());
}

/* email, phone and website; persons reach us on their private address. */
static void customer_reach(struct gen *g, json_t *c, const struct demo_customer *dc)
{
	char email[128], phone[32], web[128], first[64], last[64];

	if (dc->type == COMPANY) {
		snprintf(email, sizeof(email), "%s@%s", PICK(g, mailboxes), dc->domain);
		snprintf(web, sizeof(web), "https://www.%s", dc->domain);
		landline(g, dc->city, phone, sizeof(phone));
	} else {
		split_name(dc->name, first, last, sizeof(first));
		make_email(email, sizeof(email), first, last, dc->domain);
		mobile(g, phone, sizeof(phone));
	}
	put(g, c, "email", json_string(email));
	put(g, c, "phone", json_string(phone));
	put(g, c, "website", dc->type == COMPANY ? json_string(web) : json_null());
}

/* A contact; phone NULL: a new mobile number. */
static json_t *contact_new(struct gen *g, const char *department, const char *first,
                           const char *last, const char *domain, const char *phone)
{
	char id[ID_LEN], email[128], number[32];
	new_id(g, ID_CONTACT, id);
	make_email(email, sizeof(email), first, last, domain);
	if (phone == NULL) {
		mobile(g, number, sizeof(number));
		phone = number;
	}
	return json_pack("{s:s?,s:s,s:s,s:s,s:s,s:s}", "department", department, "email", email,
	                 "firstName", first, "id", id, "lastName", last, "phone", phone);
}

/* A person is their own contact; a company has one to three. */
static void customer_contacts(struct gen *g, json_t *c, const struct demo_customer *dc)
{
	json_t *contacts = json_array();
	char first[64], last[64];

	if (dc->type == PERSON) {
		split_name(dc->name, first, last, sizeof(first));
		add(g, contacts, contact_new(g, NULL, first, last, dc->domain, str_of(c, "phone")));
	}
	for (int k = 0, n = dc->type == COMPANY ? rng_range(g, 1, 3) : 0; k < n; k++) {
		const char *department = PICK(g, departments);
		const char *given = PICK(g, first_names);
		const char *family = PICK(g, last_names);
		add(g, contacts, contact_new(g, department, given, family, dc->domain, NULL));
	}
	put(g, c, "contacts", contacts);
}

static json_t *address_new(struct gen *g, enum city_id city)
{
	const struct city *cy = &cities[city];
	char id[ID_LEN], postal[16], number[16];
	int code = cy->postal + rng_below(g, 25);
	int l1 = rng_below(g, (int)sizeof(postal_letters) - 1);
	int l2 = rng_below(g, (int)sizeof(postal_letters) - 1);
	int house = rng_range(g, 1, 180);
	const char *suffix = PICK(g, house_suffixes);
	const char *street = PICK(g, streets);
	double lat = cy->lat + rng_range(g, -1500, 1500) / 100000.0;
	double lon = cy->lon + rng_range(g, -2000, 2000) / 100000.0;

	new_id(g, ID_ADDRESS, id);
	snprintf(postal, sizeof(postal), "%04d %c%c", code, postal_letters[l1], postal_letters[l2]);
	snprintf(number, sizeof(number), "%d%s", house, suffix);
	return json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:s,s:s}", "city", cy->name, "country", "NL",
	                 "houseNumber", number, "id", id, "latitude", lat, "longitude", lon,
	                 "postalCode", postal, "street", street);
}

/* billingAddress in the customer's city; companies have 0..2 delivery addresses. */
static void customer_addresses(struct gen *g, json_t *c, const struct demo_customer *dc)
{
	json_t *delivery = json_array();
	put(g, c, "billingAddress", address_new(g, dc->city));
	for (int k = 0, n = dc->type == COMPANY ? rng_below(g, 3) : 0; k < n; k++) {
		enum city_id city =
		        rng_chance(g, 50) ? dc->city : (enum city_id)rng_below(g, CITY__MAX);
		add(g, delivery, address_new(g, city));
	}
	put(g, c, "deliveryAddresses", delivery);
}

static void customer_avatar(struct gen *g, json_t *c)
{
	char blob[ID_LEN], thumb[ID_LEN + 8];
	int size = rng_chance(g, 50) ? 256 : 512;
	if (!rng_chance(g, 40)) {
		put(g, c, "avatar", json_null());
		return;
	}
	new_id(g, ID_BLOB, blob);
	snprintf(thumb, sizeof(thumb), "%s-thumb", blob);
	put(g, c, "avatar",
	    json_pack("{s:s,s:i,s:s,s:i}", "blobId", blob, "height", size, "thumbnailBlobId", thumb,
	              "width", size));
}

/* "b2b" or "b2c" and one to four distinct tags from the pool. */
static void customer_tags(struct gen *g, json_t *c, const struct demo_customer *dc)
{
	size_t pool[NELEM(tag_pool)];
	json_t *tags = json_array();
	int n = rng_range(g, 1, 4);

	for (size_t k = 0; k < NELEM(pool); k++)
		pool[k] = k;
	add(g, tags, json_string(dc->type == COMPANY ? "b2b" : "b2c"));
	for (int k = 0; k < n; k++) {
		size_t j = (size_t)k + (size_t)rng_below(g, (int)(NELEM(pool) - (size_t)k));
		size_t picked = pool[j];
		pool[j] = pool[k];
		pool[k] = picked;
		add(g, tags, json_string(tag_pool[picked]));
	}
	put(g, c, "tags", tags);
}

/* 0..3 website visits from documentation address ranges, oldest first. */
static void customer_visits(struct gen *g, json_t *c)
{
	json_t *visits = json_array();
	int n = rng_below(g, 4);
	int64_t at = g->today - rng_range(g, 40, 90) * DAY_USEC;

	for (int k = 0; k < n; k++) {
		char ip[32];
		int host = rng_range(g, 1, 254);
		const char *net = rng_chance(g, 50) ? "192.0.2" : "198.51.100";
		int frequency = rng_range(g, 1, 25);
		at += rng_range(g, 1, 12) * DAY_USEC;
		snprintf(ip, sizeof(ip), "%s.%d", net, host);
		add(g, visits,
		    json_pack("{s:i,s:s,s:o}", "frequency", frequency, "ip", ip, "time",
		              j_time(at + work_time(g))));
	}
	put(g, c, "visits", visits);
}

/* The event a customer without a next action may have after its status changes. */
static void customer_extra_event(struct gen *g, json_t *c, const struct cust_state *cs,
                                 struct history *h, int author)
{
	json_t *tags = json_object_get(c, "tags");
	int roll = rng_below(g, 4);
	if (roll < 2 && json_array_size(tags) > 1)
		hist_add(h, "TAG_ADDED", author, 0, "Tag \"%s\" added",
		         json_string_value(json_array_get(tags, json_array_size(tags) - 1)));
	else if (roll == 2 && cs->owner > 0)
		hist_add(h, "OWNER_CHANGE", author, 0, "Owner set to %s",
		         g->user_id[cs->owner - 1]);
}

/*
 * nextAction and nextActionDueDate by position: the first of every three
 * customers is overdue (due 1..20 days before today), the second due in the
 * next 30 days, the third has none.  Adds the matching event and returns how
 * many days before today the customer's last event happened.
 */
static int customer_next_action(struct gen *g, json_t *c, size_t i, struct history *h, int author)
{
	const struct cust_state *cs = &g->cust[i];
	int ago = rng_range(g, 1, cs->age_days - 1);
	int64_t due = NO_TIME;
	const char *text = customer_actions[g->t->customers[i].status][rng_below(g, 2)];
	char when[TIME_LEN];

	if (i % 3 == 0) {
		int overdue_days = rng_range(g, 1, 20);
		due = g->today - overdue_days * DAY_USEC + work_time(g);
		ago = min_int(overdue_days + rng_range(g, 1, 10), cs->age_days - 1);
	} else if (i % 3 == 1) {
		int ahead = rng_range(g, 1, 30);
		due = g->today + ahead * DAY_USEC + work_time(g);
		ago = rng_range(g, 1, min_int(20, cs->age_days - 1));
	}
	if (due != NO_TIME) {
		fmt_time(due, 1, when);
		hist_add(h, "NEXT_ACTION", author, 0, "Next action set to \"%s\", due %s", text,
		         when);
	} else {
		customer_extra_event(g, c, cs, h, author);
	}
	put(g, c, "nextAction", due != NO_TIME ? json_string(text) : json_null());
	put(g, c, "nextActionDueDate", j_time(due));
	return ago;
}

/* CREATE, the last one or two status changes, then a next action or another change. */
static void customer_history(struct gen *g, json_t *c, size_t i)
{
	const struct cust_state *cs = &g->cust[i];
	int status = (int)g->t->customers[i].status;
	int author = owner_or_any(g, cs);
	int changes = status == S_LEAD ? 0 : rng_range(g, 1, min_int(2, status));
	int from = status - changes;
	struct history h = {.n = 0};

	hist_add(&h, "CREATE", rand_user(g), 0, "Customer created with status %s", crm_names[from]);
	for (int s = from; s < status; s++)
		hist_add(&h, "STATUS_CHANGE", author, 0, "Status changed from %s to %s",
		         crm_names[s], crm_names[s + 1]);
	int ago = customer_next_action(g, c, i, &h, author);
	int64_t last = g->today - ago * DAY_USEC + work_time(g);
	hist_spread(g, &h, cs->created, last);
	put_history(g, c, &h);
}

static json_t *build_customer(struct gen *g, size_t i)
{
	const struct demo_customer *dc = &g->t->customers[i];
	struct cust_state *cs = &g->cust[i];
	json_t *c = json_object();

	cs->owner = dc->owner;
	cs->english = strcmp(dc->lang, "en") == 0;
	cs->age_days = rng_range(g, 30, 360);
	cs->created = g->today - cs->age_days * DAY_USEC + work_time(g);
	put(g, c, "id", j_new_id(g, ID_CUSTOMER));
	put(g, c, "tenantId", json_string(g->t->tenant));
	put(g, c, "name", json_string(dc->name));
	put(g, c, "type", json_string(dc->type == COMPANY ? "COMPANY" : "PERSON"));
	put(g, c, "crmStatus", json_string(crm_names[dc->status]));
	put(g, c, "ownerId", dc->owner > 0 ? json_string(g->user_id[dc->owner - 1]) : json_null());
	customer_registry(g, c, dc);
	customer_reach(g, c, dc);
	customer_contacts(g, c, dc);
	customer_addresses(g, c, dc);
	customer_avatar(g, c);
	customer_tags(g, c, dc);
	customer_visits(g, c);
	customer_history(g, c, i);
	return c;
}

/* ---- opportunities ---- */

/* The statuses an opportunity went through, NEW first, and when. */
struct opp_path {
	enum opp step[O__MAX];
	int64_t at[O__MAX];
	int n;
};

static enum opp path_last(const struct opp_path *p)
{
	return p->step[p->n - 1];
}

/* When the opportunity reached status s, or NO_TIME. */
static int64_t reached(const struct opp_path *p, enum opp s)
{
	for (int k = 0; k < p->n; k++)
		if (p->step[k] == s)
			return p->at[k];
	return NO_TIME;
}

/* Created 5 days or more after the customer; the steps spread until yesterday. */
static void opp_path_make(struct gen *g, const struct cust_state *cs, enum opp final,
                          struct opp_path *p)
{
	int days_ago = rng_range(g, 5, cs->age_days - 1);
	enum opp top = final == O_LOST ? (enum opp)rng_below(g, 3) : final;
	int64_t span = (days_ago - 1) * DAY_USEC;

	p->n = 0;
	for (int s = O_NEW; s <= (int)top; s++)
		p->step[p->n++] = (enum opp)s;
	if (final == O_LOST)
		p->step[p->n++] = O_LOST;
	p->at[0] = g->today - days_ago * DAY_USEC + work_time(g);
	for (int k = 1; k < p->n; k++)
		p->at[k] = office_time(g, p->at[0] + span * k / p->n, p->at[k - 1], g->today);
}

static void opp_history(struct gen *g, json_t *o, const struct opp_path *p, int owner)
{
	struct history h = {.n = 0};
	hist_add(&h, "CREATE", owner, p->at[0], "Opportunity created with status NEW");
	for (int k = 1; k < p->n; k++)
		hist_add(&h, "STATUS_CHANGE", owner, p->at[k], "Status changed from %s to %s",
		         opp_names[p->step[k - 1]], opp_names[p->step[k]]);
	put_history(g, o, &h);
}

/* expectedCloseDate, orderDate, orderId, fulfillmentDate. */
static void opp_milestones(struct gen *g, json_t *o, const struct opp_path *p)
{
	enum opp s = path_last(p);
	int64_t accepted = s == O_LOST ? NO_TIME : reached(p, O_ACCEPTED);
	int64_t close = g->today + rng_range(g, 14, 90) * DAY_USEC + 12 * HOUR_USEC;

	if (s == O_LOST)
		close = p->at[p->n - 1];
	else if (accepted != NO_TIME)
		close = accepted;
	put(g, o, "expectedCloseDate", j_time(close));
	put(g, o, "orderDate", j_time(accepted));
	put(g, o, "orderId", accepted != NO_TIME ? j_new_id(g, ID_ORDER) : json_null());
	put(g, o, "fulfillmentDate", j_time(reached(p, O_COMPLETED)));
}

/* scheduledStartDate and scheduledEndDate, from acceptance on. */
static void opp_schedule_dates(struct gen *g, json_t *o, const struct opp_path *p)
{
	enum opp s = path_last(p);
	int64_t start = reached(p, O_EXECUTION), end = reached(p, O_COMPLETED);
	int lead_days = rng_range(g, 7, 30);
	int run_days = rng_range(g, 14, 60);

	if (s == O_ACCEPTED)
		start = g->today + lead_days * DAY_USEC;
	if (s == O_ACCEPTED || s == O_EXECUTION)
		end = (s == O_ACCEPTED ? start : g->today) + run_days * DAY_USEC;
	put(g, o, "scheduledStartDate", j_date(start));
	put(g, o, "scheduledEndDate", j_date(end));
}

/* Open opportunities often have a next action; a third of those are overdue. */
static void opp_next_action(struct gen *g, json_t *o, const struct opp_path *p)
{
	enum opp s = path_last(p);
	int has = s != O_COMPLETED && s != O_LOST && rng_chance(g, 60);
	int days = rng_chance(g, 33) ? -rng_range(g, 1, 10) : rng_range(g, 1, 21);
	int64_t due = g->today + days * DAY_USEC + work_time(g);

	put(g, o, "nextAction", has ? json_string(opportunity_actions[s]) : json_null());
	put(g, o, "nextActionDueDate", j_time(has ? due : NO_TIME));
}

static json_t *payment_new(struct gen *g, const struct pay_step *ps, const struct opp_path *p,
                           json_t *invoices)
{
	char id[ID_LEN], invoice[ID_LEN];
	int64_t at = reached(p, ps->status);
	const char *status = "PENDING";

	if (at != NO_TIME && ps->type == TRIG_DATE)
		at += ps->relative_days * DAY_USEC;
	if (at != NO_TIME && at >= g->today)
		at = NO_TIME;
	if (at != NO_TIME) {
		status = at + ps->due_days * DAY_USEC < g->today ? "PAID" : "INVOICED";
		new_id(g, ID_INVOICE, invoice);
		add(g, invoices, json_string(invoice));
	}
	new_id(g, ID_PAYMENT, id);
	return json_pack(
	        "{s:s,s:b,s:s?,s:s,s:i,s:f,s:i,s:s,s:s,s:s,s:o}", "id", id, "includeChangeOrders",
	        ps->with_change_orders, "invoiceId", at != NO_TIME ? invoice : NULL, "label",
	        ps->label, "paymentDueDays", ps->due_days, "percentage", ps->percentage,
	        "relativeDays", ps->relative_days, "status", status, "triggerStatus",
	        opp_names[ps->status], "triggerType",
	        ps->type == TRIG_DATE ? "DATE" : "STATUS_CHANGE", "triggeredAt", j_time(at));
}

/* paymentSchedule (none while early or lost) and the invoiceIds it produced. */
static void opp_payments(struct gen *g, json_t *o, const struct opp_path *p)
{
	enum opp s = path_last(p);
	json_t *schedule = json_array(), *invoices = json_array();
	int which = rng_range(g, 1, 3);

	if (s == O_LOST || (s <= O_DISCUSS && rng_chance(g, 50)))
		which = 0;
	for (size_t k = 0; k < plans[which].count; k++)
		add(g, schedule, payment_new(g, &plans[which].steps[k], p, invoices));
	put(g, o, "paymentSchedule", schedule);
	put(g, o, "invoiceIds", invoices);
}

/* 0..2 change orders while the work is under way. */
static void opp_change_orders(struct gen *g, json_t *o, const struct opp_path *p, int owner)
{
	json_t *orders = json_array();
	int64_t start = reached(p, O_EXECUTION), end = reached(p, O_COMPLETED);
	int n = start != NO_TIME ? rng_below(g, 3) : 0;

	if (end == NO_TIME)
		end = g->today - HOUR_USEC;
	for (int k = 0; k < n; k++) {
		const struct change_order *co = &PICK(g, change_orders);
		int64_t at = office_time(g, start + (end - start) * (k + 1) / (n + 1), start, end);
		char id[ID_LEN];
		new_id(g, ID_CHANGE, id);
		add(g, orders,
		    json_pack("{s:f,s:s,s:o,s:s,s:o,s:s,s:s}", "amount", (double)co->amount,
		              "category", co->category, "createdAt", j_time(at), "createdBy",
		              g->user_id[owner], "date", j_time(floor_div(at, DAY_USEC) * DAY_USEC),
		              "description", co->description, "id", id));
	}
	put(g, o, "changeOrders", orders);
}

/* estimateIds once a proposal went out; productIds: 1..3 from the catalogue. */
static void opp_documents(struct gen *g, json_t *o, const struct opp_path *p)
{
	json_t *estimates = json_array(), *products = json_array();
	int n_est = reached(p, O_PROPOSAL) != NO_TIME ? rng_range(g, 1, 2) : 0;
	int n_prod = rng_range(g, 1, 3);
	int first = rng_range(g, 1, 12);
	char id[ID_LEN];

	for (int k = 0; k < n_est; k++)
		add(g, estimates, j_new_id(g, ID_ESTIMATE));
	for (int k = 0; k < n_prod; k++) {
		snprintf(id, sizeof(id), "%s-prd-%02d", g->t->prefix, (first + k - 1) % 12 + 1);
		add(g, products, json_string(id));
	}
	put(g, o, "estimateIds", estimates);
	put(g, o, "productIds", products);
}

/* 0..2 distinct opportunity tags. */
static json_t *opp_tags(struct gen *g)
{
	json_t *tags = json_array();
	int n = rng_below(g, 3);
	int first = rng_below(g, (int)NELEM(opportunity_tags));
	int step = rng_range(g, 1, (int)NELEM(opportunity_tags) - 1);
	for (int k = 0; k < n; k++)
		add(g, tags,
		    json_string(
		            opportunity_tags[(first + k * step) % (int)NELEM(opportunity_tags)]));
	return tags;
}

/* id, names, money, people and labels: what does not depend on the timeline. */
static void opp_identity(struct gen *g, json_t *o, size_t ci, enum opp s, int owner)
{
	const struct offer *of = &g->t->offers[rng_below(g, (int)g->t->noffers)];
	const json_t *c = g->cust[ci].obj;
	long value = of->base * rng_range(g, 60, 160) / 100 / 50 * 50;
	char name[TEXT_LEN], team[ID_LEN];

	snprintf(name, sizeof(name), "%s - %s", of->name, str_of(c, "name"));
	snprintf(team, sizeof(team), "%s-team-%s", g->t->prefix,
	         rng_chance(g, 50) ? "sales" : "projects");
	put(g, o, "id", j_new_id(g, ID_OPPORTUNITY));
	put(g, o, "tenantId", json_string(g->t->tenant));
	put(g, o, "customerId", json_string(str_of(c, "id")));
	put(g, o, "name", json_string(name));
	put(g, o, "description", json_string(of->description));
	put(g, o, "status", json_string(opp_names[s]));
	put(g, o, "probability", json_integer(opp_probability[s]));
	put(g, o, "value", json_real((double)value));
	put(g, o, "source", json_string(str_of(c, "leadSource")));
	put(g, o, "ownerId", json_string(g->user_id[owner]));
	put(g, o, "teamId", json_string(team));
	put(g, o, "leadId", rng_chance(g, 35) ? j_new_id(g, ID_LEAD) : json_null());
	put(g, o, "notes",
	    rng_chance(g, 50) ? json_string(PICK(g, opportunity_notes)) : json_null());
	put(g, o, "tags", opp_tags(g));
}

static json_t *build_opportunity(struct gen *g)
{
	size_t ci = (size_t)rng_below(g, (int)g->t->ncustomers);
	const struct cust_state *cs = &g->cust[ci];
	enum opp s = opp_status_by_crm[g->t->customers[ci].status][rng_below(g, 4)];
	int owner = owner_or_any(g, cs);
	struct opp_path p;
	json_t *o = json_object();

	opp_path_make(g, cs, s, &p);
	opp_identity(g, o, ci, s, owner);
	opp_milestones(g, o, &p);
	opp_schedule_dates(g, o, &p);
	opp_next_action(g, o, &p);
	opp_payments(g, o, &p);
	opp_change_orders(g, o, &p, owner);
	opp_documents(g, o, &p);
	opp_history(g, o, &p, owner);
	return o;
}

/* ---- activities ---- */

/* When an activity was planned, created, completed and due. */
struct act_time {
	int64_t scheduled, created, completed, due, notified;
	int minutes; /* 0: no duration */
};

static int act_minutes(struct gen *g, enum act type)
{
	static const int call[] = {10, 15, 30}, meeting[] = {30, 60, 90, 120},
	                 task[] = {30, 60, 120};
	switch (type) {
	case A_CALL: return PICK(g, call);
	case A_MEETING: return PICK(g, meeting);
	case A_TASK: return PICK(g, task);
	default: return 0;
	}
}

/* Up to 90 days back (not before the customer) and 30 ahead; notes are in the past. */
static void act_times(struct gen *g, const struct cust_state *cs, enum act type,
                      struct act_time *at)
{
	int back = min_int(cs->age_days - 1, 90);
	int day = rng_range(g, -back, type == A_NOTE ? -1 : 30);
	int lead_days = rng_range(g, 1, 10);
	int done = day < 0 && (type == A_NOTE || rng_chance(g, 85));
	int due_days = rng_range(g, 1, 7);

	at->minutes = act_minutes(g, type);
	at->scheduled = g->today + day * DAY_USEC + work_time(g);
	at->created = type == A_NOTE ? at->scheduled : at->scheduled - lead_days * DAY_USEC;
	if (at->created > g->today - HOUR_USEC)
		at->created = g->today - HOUR_USEC;
	if (at->created < cs->created + HOUR_USEC)
		at->created = cs->created + HOUR_USEC;
	at->completed = done ? at->scheduled + (at->minutes ? at->minutes : 5) * MIN_USEC : NO_TIME;
	at->due = NO_TIME;
	if (type == A_TASK)
		at->due = floor_div(at->scheduled, DAY_USEC) * DAY_USEC + due_days * DAY_USEC +
		          15 * HOUR_USEC;
	at->notified = NO_TIME;
	if (at->due != NO_TIME && at->due < g->today && (!done || at->completed > at->due))
		at->notified = at->due;
}

static const struct act_text *act_text_pick(struct gen *g, enum act type, int english)
{
	const struct act_text *match[NELEM(act_texts)] = {&act_texts[0]}; /* when none matched */
	size_t n = 0;
	for (size_t k = 0; k < NELEM(act_texts); k++)
		if (act_texts[k].type == type && act_texts[k].english == english)
			match[n++] = &act_texts[k];
	return match[rng_below(g, (int)n)];
}

/* contactName, contactEmail, contactPhone and the attendees, from the customer's contacts. */
static void act_people(struct gen *g, json_t *a, const struct cust_state *cs, enum act type,
                       int owner)
{
	json_t *contacts = json_object_get(cs->obj, "contacts");
	int n = (int)json_array_size(contacts);
	int pick = rng_below(g, n);
	const json_t *ct = json_array_get(contacts, (size_t)pick);
	const json_t *other = json_array_get(contacts, (size_t)((pick + 1) % (n ? n : 1)));
	json_t *attendees = json_array();
	char name[160], mail[128];

	snprintf(name, sizeof(name), "%s %s", str_of(ct, "firstName"), str_of(ct, "lastName"));
	user_email(g, owner, mail, sizeof(mail));
	if (type == A_CALL || type == A_EMAIL || type == A_MEETING)
		add(g, attendees, json_string(str_of(ct, "email")));
	if (type == A_MEETING)
		add(g, attendees, json_string(mail));
	if (type == A_MEETING && n > 1 && rng_chance(g, 40))
		add(g, attendees, json_string(str_of(other, "email")));
	put(g, a, "attendees", attendees);
	put(g, a, "contactName", json_string(name));
	put(g, a, "contactEmail", json_string(str_of(ct, "email")));
	put(g, a, "contactPhone", json_string(str_of(ct, "phone")));
}

/* Meetings happen online or at the customer's billing address. */
static json_t *act_location(struct gen *g, const struct cust_state *cs, enum act type)
{
	const json_t *adr = json_object_get(cs->obj, "billingAddress");
	char where[TEXT_LEN];
	if (type != A_MEETING)
		return json_null();
	if (rng_chance(g, 50))
		return json_string("Microsoft Teams");
	snprintf(where, sizeof(where), "%s %s, %s", str_of(adr, "street"),
	         str_of(adr, "houseNumber"), str_of(adr, "city"));
	return json_string(where);
}

/* One of the customer's opportunities, sometimes. */
static json_t *act_opportunity(struct gen *g, const struct cust_state *cs)
{
	const char *customer = str_of(cs->obj, "id");
	const char *ids[64];
	size_t n = 0, k;
	json_t *o;

	json_array_foreach (g->opps, k, o)
		if (n < NELEM(ids) && strcmp(str_of(o, "customerId"), customer) == 0)
			ids[n++] = str_of(o, "id");
	if (n == 0 || !rng_chance(g, 40))
		return json_null();
	return json_string(ids[rng_below(g, (int)n)]);
}

static void act_timeline(struct gen *g, json_t *a, const struct act_time *at, int owner,
                         int creator)
{
	int done = at->completed != NO_TIME;
	struct history h = {.n = 0};

	hist_add(&h, "CREATE", creator, at->created, "Activity created");
	if (done && at->completed > at->created)
		hist_add(&h, "UPDATE", owner, at->completed, "Activity marked as completed");
	put(g, a, "scheduledAt", j_time(at->scheduled));
	put(g, a, "completed", json_boolean(done));
	put(g, a, "isCompleted", json_boolean(done));
	put(g, a, "completedAt", j_time(at->completed));
	put(g, a, "dueDate", j_time(at->due));
	put(g, a, "dueNotifiedAt", j_time(at->notified));
	put(g, a, "durationMinutes", at->minutes ? json_integer(at->minutes) : json_null());
	put_history(g, a, &h);
}

/* The focus customers get FOCUS_ACTIVITIES each first, the rest go anywhere. */
static size_t act_customer(struct gen *g, size_t k)
{
	if (k < FOCUS_MAX * FOCUS_ACTIVITIES)
		return g->t->focus[k % FOCUS_MAX];
	return (size_t)rng_below(g, (int)g->t->ncustomers);
}

static json_t *build_activity(struct gen *g, size_t k)
{
	const struct cust_state *cs = &g->cust[act_customer(g, k)];
	enum act type = PICK(g, act_bag);
	const struct act_text *tx = act_text_pick(g, type, cs->english);
	int owner = owner_or_any(g, cs);
	int creator = rng_chance(g, 80) ? owner : rand_user(g);
	struct act_time at;
	json_t *a = json_object();

	act_times(g, cs, type, &at);
	put(g, a, "id", j_new_id(g, ID_ACTIVITY));
	put(g, a, "tenantId", json_string(g->t->tenant));
	put(g, a, "customerId", json_string(str_of(cs->obj, "id")));
	put(g, a, "type", json_string(act_names[type]));
	put(g, a, "priority", json_string(PICK(g, priority_bag)));
	put(g, a, "subject", json_string(tx->subject));
	put(g, a, "description", json_string(tx->description));
	put(g, a, "outcome", at.completed != NO_TIME ? json_string(tx->outcome) : json_null());
	put(g, a, "ownerId", json_string(g->user_id[owner]));
	put(g, a, "location", act_location(g, cs, type));
	put(g, a, "opportunityId", act_opportunity(g, cs));
	act_people(g, a, cs, type, owner);
	act_timeline(g, a, &at, owner, creator);
	return a;
}

/* ---- the document ---- */

static const struct tenant_def *find_tenant(const char *name)
{
	for (size_t k = 0; name != NULL && k < NELEM(tenants); k++)
		if (strcmp(tenants[k].tenant, name) == 0)
			return &tenants[k];
	return NULL;
}

/* Fills customers, opportunities and activities in order; stops once an allocation failed. */
static void build_all(struct gen *g, json_t *customers, json_t *opps, json_t *activities)
{
	for (size_t i = 0; i < g->t->ncustomers && !g->failed; i++) {
		g->cust[i].obj = build_customer(g, i);
		if (add(g, customers, g->cust[i].obj) != 0)
			g->cust[i].obj = NULL;
	}
	g->opps = opps;
	for (size_t j = 0; j < g->t->nopportunities && !g->failed; j++)
		add(g, opps, build_opportunity(g));
	for (size_t k = 0; k < g->t->nactivities && !g->failed; k++)
		add(g, activities, build_activity(g, k));
}

json_t *demo_document(const char *tenant, int64_t now_usec)
{
	const struct tenant_def *t = find_tenant(tenant);
	if (t == NULL)
		return NULL;
	struct gen g = {.t = t, .rng = seed_of(t->tenant)};
	g.today = floor_div(now_usec, DAY_USEC) * DAY_USEC;

	json_t *users = build_users(&g);
	json_t *customers = json_array(), *opps = json_array(), *activities = json_array();
	if (users == NULL || customers == NULL || opps == NULL || activities == NULL)
		g.failed = 1;
	else
		build_all(&g, customers, opps, activities);
	json_t *doc = json_object();
	put(&g, doc, "users", users);
	put(&g, doc, "customers", customers);
	put(&g, doc, "opportunities", opps);
	put(&g, doc, "activities", activities);
	if (g.failed) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}
