"""Every word list the project uses, in one place: general word classes, never one article's words.

Sections: sentences, names, reporting verbs, events, stances. Helper code reads these sets;
nothing else in the package spells out a word list.
"""

from __future__ import annotations

# --- sentences ------------------------------------------------------------------------------

#: Words a full stop follows without ending the sentence ("Mr.", "U.S.", "Jan.").
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "st", "sen", "rep", "gov", "gen", "lt", "col", "jr", "sr", "u.s",
    "no", "inc", "corp", "co", "vs", "etc", "e.g", "i.e", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "prof", "sgt", "capt", "mt", "ft", "u.k",
    "u.n", "d.c", "rev", "hon", "ltd", "dept", "est", "approx", "fig", "vol", "op", "cf",
})  # fmt: skip

#: Function words left out when comparing phrases by their content words.
STOP_WORDS = frozenset(
    "a an the of to in on at for and or with by from as has have had was were is are be been "
    "will would".split()
)

#: Words that carry no content of their own, left out of content-word comparisons (the strict
#: eval score): articles, prepositions, pronouns, auxiliaries, conjunctions. No verbs of action.
FUNCTION_WORDS = frozenset(
    "a an the this that these those of to in on at for from by with about into onto over under "
    "as than and or but nor so if then not no n't also just only very its it he she they them "
    "his her their our we i you us him me my your be is are was were been being am has have had "
    "having do does did will would shall should can could may might must there here who whom "
    "whose which what when where why how all any some each both such own same other s".split()
)

# --- names ----------------------------------------------------------------------------------

PRONOUNS = frozenset({
    "he", "she", "they", "it", "we", "i", "you", "him", "her", "them", "his", "hers", "their",
    "theirs", "its", "our", "us", "me", "my", "one", "someone", "somebody", "this", "that",
})  # fmt: skip
#: Answers that mean "no name": a model's ways of saying it does not know.
UNKNOWN = frozenset({
    "", "unknown", "none", "null", "n/a", "na", "unnamed", "anonymous", "unspecified",
    "not specified", "not stated", "the article", "article", "author", "narrator", "reporter",
    "the reporter", "the author", "writer", "nobody", "no one", "-",
})  # fmt: skip
#: Titles and articles that come before a name without identifying anyone.
HONORIFICS = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lord", "lady", "prof", "professor",
    "president", "senator", "sen", "rep", "representative", "gov", "governor", "mayor",
    "minister", "prime", "chancellor", "secretary", "judge", "justice", "rev", "reverend",
    "general", "gen", "colonel", "captain", "capt", "king", "queen", "prince", "princess",
    "pope", "sheikh", "ambassador", "the", "former", "ex", "vice", "deputy", "chief",
})  # fmt: skip
#: Words that lead a name run without being part of the name ("Republican Donald Trump").
DESCRIPTORS = frozenset({
    "republican", "democrat", "democratic", "gop", "spokesman", "spokeswoman", "spokesperson",
    "follow", "rep", "sen", "gov",
})  # fmt: skip
#: Capitalised only because they start a sentence ("Later Mary Smith said").
SENTENCE_STARTERS = frozenset(
    "the a an later but and after when then yesterday today meanwhile however in on at as "
    "while if since although though last this that these those his her their our its both "
    "even still also now earlier speaking asked pressed according for with without during "
    "before".split()
)

# --- reporting verbs (base forms; inflections are built from them) -------------------------

#: Verbs that report speech or writing: their clauses are quotes, not events.
REPORTING_VERBS = frozenset(
    "add insist claim state explain warn argue note ask announce declare describe suggest "
    "admit acknowledge respond continue recall agree confirm urge predict promise vow tweet "
    "post complain accuse allege contend maintain concede stress emphasise emphasize quip "
    "joke shout whisper comment remark observe report call tell say write reiterate boast "
    "caution lament mutter muse plead pledge reveal scoff sigh snap yell reply deny testify".split()
)
#: Verb + object idioms that report speech as a reporting verb does ("as Liu put it, '...'").
REPORTING_IDIOMS = frozenset({("put", "it")})
#: Irregular inflections of REPORTING_VERBS that the regular rules do not produce.
REPORTING_IRREGULAR = frozenset(
    "said says saying told tells telling wrote writes writing written replied replies "
    "replying denied denies denying testified testifies testifying".split()
)

#: Reporting verbs that ask rather than state: a question takes no side.
QUESTION_VERBS = frozenset("ask wonder inquire enquire query".split())

# --- events ---------------------------------------------------------------------------------

#: Lemmas that carry no event of their own (copulas, auxiliaries, light verbs, perception).
NON_EVENT_VERBS = frozenset(
    "be have do seem appear become remain get let make go come take give use include "
    "know think believe feel see look want need like mean".split()
)
#: States, cognition and perception: what someone is, knows or feels, not something that
#: happened ("is understood", "hoped", "remains"). Their clauses are no events.
STATE_VERBS = frozenset(
    "understand believe think know expect hope feel seem appear remain consider suppose assume "
    "wish fear doubt wonder realise realize recognise recognize suspect imagine regard deserve "
    "own contain involve concern matter depend exist lack resemble mean cost weigh sit stand "
    "lie belong love like hate prefer".split()
)
#: Common nouns naming people or groups of people: who may act, speak or hold a view when the
#: article gives no name ("officials", "residents", "dock workers", "the minister").
AGENT_NOUNS = frozenset(
    "official officials minister ministers leader leaders president chairman chairwoman chair "
    "spokesman spokeswoman spokesperson director executive chief officer officers police "
    "policeman policewoman detective investigator investigators prosecutor prosecutors judge "
    "jury lawyer lawyers attorney attorneys defendant defendants plaintiff witness witnesses "
    "resident residents citizen citizens people voter voters worker workers employee employees "
    "staff staffer staffers member members protester protesters protestor demonstrator "
    "demonstrators striker strikers activist activists campaigner campaigners soldier soldiers "
    "troop troops force forces militant militants rebel rebels fighter fighters gunman gunmen "
    "attacker attackers bomber suspect suspects man men woman women boy girl child children "
    "student students teacher teachers doctor doctors nurse nurses patient patients farmer "
    "farmers driver drivers pilot crew rescuer rescuers firefighter firefighters volunteer "
    "volunteers fan fans player players coach manager captain striker goalkeeper referee "
    "team side shareholder shareholders investor investors analyst analysts economist "
    "economists buyer buyers customer customers owner owners landlord tenant tenants "
    "diplomat diplomats envoy ambassador negotiator negotiators delegate delegates lawmaker "
    "lawmakers legislator legislators senator senators mp mps councillor councillors mayor "
    "governor candidate candidates authorities authority regime junta parliament congress "
    "senate cabinet body board panel jury tribunal inquiry opposition administration "
    "agency government council committee commission union ministry department company firm "
    "bank court police army navy military group coalition alliance party club "
    # roles and occupations
    "trustee trustees actuary accountant auditor auditors secretary secretaries commissioner "
    "regulator regulators inspector inspectors chancellor premier king queen prince princess "
    "representative representatives head boss founder ceo chairperson principal headteacher "
    "administrator administrators receiver liquidator coroner magistrate magistrates justice "
    "justices juror jurors sheriff marshal agent agents guard guards warden scientist "
    "scientists researcher researchers expert experts professor academic academics author "
    "journalist journalists reporter reporters editor broadcaster presenter artist singer "
    "actor athlete athletes runner rider riders champion champions winner winners scorer "
    "forward defender midfielder winger substitute umpire official organiser organisers "
    "organizer organizers host hosts chef engineer engineers builder builders contractor "
    "contractors developer developers operator operators insurer insurers lender lenders "
    "retailer retailers supplier suppliers manufacturer manufacturers producer producers "
    "exporter exporters importer importers bidder bidders rival rivals competitor "
    "competitors partner partners ally allies neighbour neighbours critic critics opponent "
    "opponents supporter supporters backer backers creditor creditors donor donors sponsor "
    "sponsors visitor visitors tourist tourists passenger passengers pedestrian pedestrians "
    "cyclist cyclists parent parents mother father family families relative relatives "
    "survivor survivors victim victims hostage hostages prisoner prisoners inmate inmates "
    "claimant claimants applicant appellant complainant accused offender offenders thief "
    "thieves robber robbers burglar killer murderer shooter assailant assailants terrorist "
    "terrorists insurgent insurgents jihadist jihadists separatist separatists extremist "
    "extremists smuggler smugglers trafficker traffickers dealer dealers gang cartel mob "
    "crowd crowds mourners worshippers pilgrims migrant migrants refugee refugees settlers "
    "villagers locals community electorate public taxpayer taxpayers consumer consumers "
    "shopper shoppers trader traders shopkeeper shopkeepers merchant merchants vendor "
    "vendors landowner landowners homeowner homeowners householder householders motorist "
    "motorists commuter commuters union unions association federation charity charities "
    "foundation trust organisation organization institute university school hospital "
    "airline airlines carrier consortium regulator watchdog delegation delegations state "
    "states country countries nation nations government governments embassy "
    "ministers officials spokespeople lawmakers squad network group groups".split()
)
#: Nouns for a group or number of something: who acts is the `of` phrase ("a group of
#: cyclists and parents", "hundreds of residents").
COLLECTIVE_NOUNS = frozenset(
    "group groups number crowd dozens hundreds thousands scores handful majority minority "
    "band party delegation team".split()
)
#: Verbs of a change that happens to their subject (unaccusatives): "the bridge collapsed",
#: "shares fell". Their subject need not be able to act to make an event.
CHANGE_VERBS = frozenset(
    "collapse fall rise jump soar surge plunge slump drop climb tumble sink slide crash "
    "die drown burn explode erupt flood burst break sink capsize derail close open end "
    "begin start resume halt stop fail expire double triple shrink grow".split()
)
#: Words that make a name a place, never an organisation or a person ("River Towy", "Quay
#: Street", "Brecon Beacons"), however the recogniser labels it.
PLACE_NOUNS = frozenset(
    "river rivers lake loch sea ocean bay estuary harbour quay quays street road avenue lane "
    "square park valley hill hills mount mountain mountains beacons island islands coast "
    "beach forest moor".split()
)
#: Verbs that give something a name or label ("called the plan a betrayal", "what she
#: described as reckless"): they say how someone sees a thing, not what happened.
NAMING_VERBS = frozenset("call describe label brand dub term deem".split())
#: Verbs of harm whose passive names the victims ("14 people were killed", "120 were hurt"):
#: an event even when nobody is said to have done it.
HARM_VERBS = frozenset("kill injure wound hurt maim shoot stab murder".split())
#: Nouns that name a happening ("the attack on ...", "Tuesday's vote", "the strike by ..."):
#: with a participant they are event candidates.
EVENT_NOUNS = frozenset(
    "attack attacks assault bombing bombings blast explosion explosions shooting shootings "
    "strike strikes raid raids invasion offensive battle clash clashes fighting ambush "
    "killing killings murder arrest arrests detention kidnapping abduction execution "
    "vote ballot election elections referendum protest protests demonstration demonstrations "
    "march rally riot riots boycott walkout meeting summit talks visit trip negotiation "
    "negotiations agreement deal treaty ceasefire truce merger acquisition takeover purchase "
    "sale launch collapse closure resignation dismissal sacking appointment election "
    "ruling verdict sentence conviction acquittal trial hearing lawsuit appeal ban "
    "earthquake flood floods flooding storm hurricane cyclone typhoon wildfire fire fires "
    "eruption landslide crash accident derailment outbreak evacuation rescue withdrawal "
    "deployment release bailout cut cuts layoffs redundancies announcement approval "
    "rejection victory defeat win loss".split()
)
#: Words that open the name of a happening, never of someone who acts ("Storm Ffion").
NAMED_HAPPENINGS = frozenset("storm hurricane typhoon cyclone tropical operation battle".split())
#: Nouns of plans and proposals: a verb they govern ("plans to meet") has not happened.
PLAN_NOUNS = frozenset(
    "plan plans proposal proposals bid bids hope hopes intention offer offers threat threats "
    "attempt attempts idea prospect possibility chance option options decision decisions "
    "call calls effort efforts push".split()
)
#: Adverbs that make a clause a guess rather than a fact ("has likely been spared").
HEDGES = frozenset("likely possibly probably perhaps maybe supposedly".split())
#: Conjunctions that make a clause a condition, not a fact ("if the council agrees").
CONDITIONALS = frozenset("if unless whether lest".split())

#: Verbs of intention and plans: "plans to meet" is a planned meeting, not a past one.
PLAN_VERBS = frozenset(
    "plan hope intend aim expect want seek try attempt propose threaten prepare decide "
    "agree offer vow pledge promise schedule set".split()
)
#: Modal auxiliaries: "would meet", "could close" are not (yet) facts.
MODALS = frozenset("would could might may can should must shall will ought".split())
#: Negators that turn "met" into "did not meet".
NEGATIONS = frozenset("not n't never no neither nor without cannot".split())

#: Prepositions that give a clause's place or time, not what the action is done to.
CIRCUMSTANCE_PREPOSITIONS = frozenset(
    "in on at during near after before since until within across throughout amid".split()
)

# --- stances --------------------------------------------------------------------------------

#: Predicates (lemmas) by which a holder takes a side for something.
SUPPORT_VERBS = frozenset(
    "support back welcome praise endorse urge applaud favour favor champion defend hail "
    "approve commend embrace advocate recommend celebrate congratulate thank "
    "encourage promote".split()
)
#: Predicates (lemmas) by which a holder takes a side against something.
OPPOSE_VERBS = frozenset(
    "oppose criticise criticize condemn reject accuse deny refuse block veto denounce "
    "attack slam blast protest resist dismiss challenge question fault blame decry "
    "disapprove dispute boycott sue ban scrap halt".split()
)
#: Verbs of wanting, intending and believing: the holder is for what follows ("wants to stay").
FOR_VERBS = frozenset(
    "want hope wish seek intend aim plan agree insist demand prefer like love "
    "believe trust determine vow pledge promise".split()
)
#: Verbs of fearing, avoiding and refusing: the holder is against what follows.
AGAINST_VERBS = frozenset(
    "fear doubt regret hate worry avoid prevent stop refuse deplore dread resent "
    "abandon quit".split()
)
#: Phrasal stance predicates: lemma + particle or preposition ("call for", "warn against").
SUPPORT_PHRASES = frozenset({("call", "for"), ("push", "for"), ("stand", "by"),
                             ("argue", "for"), ("vote", "for"), ("side", "with")})  # fmt: skip
OPPOSE_PHRASES = frozenset({("warn", "against"), ("speak", "against"), ("vote", "against"),
                            ("argue", "against"), ("rule", "out"), ("push", "back"),
                            ("campaign", "against"), ("lash", "out")})  # fmt: skip
#: Nouns that name nothing in particular: never what a stance is about ("time", "way").
VAGUE_NOUNS = frozenset(
    "time times way ways thing things lot lots people person day days year years part kind "
    "sort bit number fact point case something anything everything nothing one ones matter "
    "stage moment place end side".split()
)
#: Words by which the article itself says a position is divided or undecided.
MIXED_WORDS = frozenset("mixed ambivalent divided torn".split())
NEUTRAL_WORDS = frozenset("neutral undecided impartial abstain abstained".split())
# --- quotes and speakers (owned by the quotes step: summariser/steps/quotes.py) --------------

#: Nouns for what someone said: "Her message was simple: '...'", "in his statement".
SPEECH_NOUNS = frozenset(
    "statement message response reply answer words warning comment comments remarks advice "
    "verdict retort plea appeal tweet post".split()
)
#: Words before a quotation that make it a name or term, not speech ("the so-called 'x'").
TERM_MARKERS = frozenset(
    "so-called called dubbed titled entitled named nicknamed labelled labeled branded "
    "termed hashtag headlined".split()
)
#: Prepositions that put a title-cased quotation in place as a name ('on "Face the Nation"').
TITLE_PREPOSITIONS = frozenset("on in onto into at from".split())
#: Reporting verbs whose complement is not the speaker's words ("asked whether ...").
NOT_REPORTED_SPEECH = frozenset("ask call describe continue post".split())
#: Head nouns that stand for an organisation ("the company said", "the ministry added").
ORG_NOUNS = frozenset(
    "company firm bank union council ministry office department agency government committee "
    "commission group campaign party developer board trust hospital museum court police "
    "administration authority organisation organization institute centre center university "
    "school newspaper paper network channel team club army military service regulator "
    "watchdog charity association federation league coalition alliance embassy secretariat "
    "forum corporation business retailer airline operator owner insurer lender body panel "
    "tribunal".split()
)
#: Titles that tell a person's gender ("Mr. Haddad", "Ms Okafor").
MALE_TITLES = frozenset("mr mr. sir lord king prince father brother".split())
FEMALE_TITLES = frozenset(
    "ms ms. mrs mrs. miss dame lady queen princess mother sister madam".split()
)
MALE_PRONOUNS = frozenset("he him his himself".split())
FEMALE_PRONOUNS = frozenset("she her hers herself".split())
#: Pronouns that stand for an organisation or a group.
GROUP_PRONOUNS = frozenset("it its they them their itself themselves".split())
#: Job titles written before a name that are not part of it ("Councillor Nadia Haddad").
SPEAKER_TITLES = frozenset(
    "councillor councilman councilwoman alderman commissioner chairman chairwoman chair "
    "spokesman spokeswoman spokesperson coach director officer detective inspector sergeant "
    "constable superintendent minister secretary ambassador speaker leader judge justice "
    "magistrate coroner referee president governor mayor senator general captain "
    "professor".split()
)
#: Nouns that tell a person's gender ("Her brother, Daniel Okafor").
MALE_NOUNS = frozenset(
    "brother son father husband uncle nephew grandfather king prince spokesman chairman "
    "businessman councilman congressman boyfriend widower".split()
)
FEMALE_NOUNS = frozenset(
    "sister daughter mother wife aunt niece grandmother queen princess spokeswoman "
    "chairwoman businesswoman councilwoman congresswoman girlfriend widow".split()
)
#: Prepositions that tie an unnamed speaker to the organisation speaking ("a spokesman for X").
FOR_ORG = frozenset("for of at from".split())
#: Verbs that put words on something ("called the plan 'a disgrace'"): with a quotation after
#: their object, the whole is one reported claim.
NAMING_VERBS = frozenset("call describe dub label brand term deem".split())

# --- prompt injection -----------------------------------------------------------------------

#: Words that introduce quoted text as an example of wording rather than as speech: a quoted
#: instruction after one of these is mentioned (an article about prompt injection), not used.
MENTION_MARKERS = frozenset(
    "such like reading read phrase phrases words line lines command commands prompt prompts "
    "text string strings message messages sentence sentences instruction instructions "
    "typed containing contained dubbed called".split()
) | {"such as", "known as", "for example", "for instance"}

# Injection in other languages and disguises (issue 19): the words a detection rule combines.
#: "Ignore" in the languages of Europe's larger newsrooms (French, German, Spanish, Italian,
#: Portuguese, Dutch).
FOREIGN_IGNORE = (
    "ignorez ignore ignorer ignora ignoren ignorar ignori ignorate ignoriere ignorieren ignoriert "
    "negeer negeren olvida olvide olvidad oubliez oublie vergiss vergesst vergessen dimentica "
    "dimenticate esquece esqueça".split()
)
#: "Instructions" in those languages.
FOREIGN_INSTRUCTIONS = (
    "instructions consignes instrucciones indicaciones anweisungen instruktionen vorgaben "
    "befehle istruzioni indicazioni instruções instrucoes instructies opdrachten".split()
)
#: "Summary" in those languages; with FOREIGN_MUST an order about the output.
FOREIGN_SUMMARY = (
    "résumé resume resumen riassunto sintesi zusammenfassung samenvatting resumo".split()
)
FOREIGN_MUST = "doit devrait debe debería deve deveria dovrebbe muss sollte moet".split()
#: Machine systems in those languages ("KI-Systeme", "sistemas de IA", "modèles de langage").
FOREIGN_MACHINES = (
    "systeme system systèmes système sistemas sistema sistemi modelle modell modèles modèle "
    "modelos modelo modelli modello assistenten assistent asistentes assistants".split()
)
#: Orders to decode a disguised text (base64, ROT13, a cipher) ...
DECODE_VERBS = "decode decoded decoding decipher decrypt unscramble unencode deobfuscate".split()
#: ... and to act on what it says (regular expressions).
OBEY_VERBS = (
    r"obey\w*",
    "comply",
    "execute",
    r"follows?\s+(?:it|them|its|what|the\s+\w+)",
    r"apply(?:\s+it)?",
    "act on it",
    r"carry (?:it|them) out",
    r"do (?:what|as) it says",
    "what it says",
    "heed it",
)
#: Words that claim a part of the article is the one to believe ("the next paragraph is the
#: only accurate record").
AUTHORITY = (
    "only sole true real accurate correct official definitive reliable authoritative genuine "
    "valid".split()
)
#: Parts of the article an instruction can point at.
ARTICLE_PARTS = "paragraph paragraphs sentence sentences section passage part".split()
#: How far a pointer reaches ("two paragraphs below").
DISTANCES = {"one": 1, "two": 2, "three": 3, "four": 4, "a": 1, "1": 1, "2": 2, "3": 3, "4": 4}
#: Leetspeak digits and signs as letters (read only for detection).
LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s"}
