# ruff: noqa: E501 - hand-written prose fragments, one list per slot, kept compact
"""English fragments for generate.py (hand-written; see generate.py for the notation)."""

from __future__ import annotations

from typing import Any

# ------------------------------------------------------------------ framing (adults only)
ADULTS = [
    "f:a widow in her forties", "f:a divorced lawyer", "m:a married surgeon",
    "f:a retired opera singer", "m:a charming sommelier", "f:Elena, a thirty-eight-year-old translator,",
    "m:Marco, a fisherman in his fifties,", "f:a bored heiress", "m:a disgraced professor",
    "f:a newly divorced architect", "m:an ageing film star", "f:a nightclub singer",
    "m:a travelling salesman", "f:the ambassador's wife", "m:the new tennis coach at the country club",
    "f:a hotel concierge", "f:a wealthy art collector in her sixties", "m:a widowed vineyard owner",
    "f:a glamorous con artist", "m:a drifter in his thirties", "f:the lighthouse keeper's wife",
    "m:a famous portrait painter", "f:a cabaret dancer", "m:a smooth-talking diplomat",
    "f:Claire, a forty-year-old bank manager,", "m:Daniel, a married airline pilot,",
    "f:a former model in her fifties", "m:a handsome country vet", "f:a mysterious newcomer",
    "m:a brooding novelist", "f:a celebrated perfumer", "m:a ski instructor in his late twenties",
    "f:a hard-nosed police inspector", "m:a jazz pianist", "f:a night-shift nurse",
    "f:the owner of a seaside guesthouse", "m:a retired general", "f:a sculptor in her thirties",
    "m:a Wall Street trader", "f:a star chef", "m:a war photographer home on leave",
    "f:Nadia, a forty-five-year-old pharmacist,", "m:a newly appointed bishop's secretary",
    "f:a restless housewife", "m:a gigolo on the Riviera",
]
FRAMING = [
    ("seduction", "seduces the young architect who has just moved in next door"),
    ("seduction", "sets out to seduce a married colleague"),
    ("seduction", "seduces a wealthy stranger to get at the family fortune"),
    ("seduction", "plays a dangerous game of seduction with two brothers"),
    ("seduction", "uses seduction to pry secrets from a foreign minister"),
    ("seduction", "seduces the one witness who could send [him|her] to prison"),
    ("seduction", "sets [his|her] sights on the much younger gardener"),
    ("seduction", "seduces a rival's fiancé and then the rival's brother"),
    ("adult_gaze", "becomes the object of every hungry stare in town"),
    ("adult_gaze", "is watched night after night by the neighbour across the courtyard"),
    ("adult_gaze", "becomes the obsession of a photographer who films [him|her] from afar"),
    ("adult_gaze", "spends the summer spying on the glamorous guests in the villa below"),
    ("adult_gaze", "is filmed in lingering close-ups as [he|she] swims in the hotel pool"),
    ("adult_gaze", "poses half-undressed for a painter who cannot stop looking"),
    ("adult_gaze", "catches the eye of every man at the bar and lets them look"),
    ("performance", "takes a job dancing for the men in a smoky harbour bar"),
    ("performance", "becomes the star attraction of a late-night burlesque revue"),
    ("performance", "performs a private dance for a dangerous client"),
    ("performance", "strips in a gentlemen's club to pay off a debt"),
    ("performance", "headlines a cabaret where the audience pays to be teased"),
    ("performance", "makes a living performing sultry numbers for wealthy patrons"),
    ("performance", "dances on tables for a crowd of cheering businessmen"),
    ("effect_on_others", "drives half the town to distraction"),
    ("effect_on_others", "turns heads wherever [he|she] goes, and marriages begin to crack"),
    ("effect_on_others", "sets the whole village talking with [his|her] sensual presence"),
    ("effect_on_others", "leaves a trail of flustered admirers and broken marriages"),
    ("effect_on_others", "awakens desires in the guests that none of them will admit to"),
    ("relationship", "begins a torrid affair with a married colleague"),
    ("relationship", "falls into a passionate affair with a stranger met on a night train"),
    ("relationship", "embarks on a secret affair with [his|her] bodyguard"),
    ("relationship", "rekindles a heated affair with a former lover"),
    ("relationship", "gives in to a forbidden passion for [his|her] late spouse's best friend"),
    ("relationship", "starts a steamy romance with the detective on the case"),
    ("relationship", "is torn between a jealous spouse and a lover who wants everything"),
    ("allure", "uses [his|her] body as a weapon to get what [he|she] wants"),
    ("allure", "becomes the most desired [man|woman] on the island"),
    ("allure", "tempts a devoted married neighbour into betrayal"),
    ("allure", "lures wealthy admirers with a glance and a smile"),
    ("allure", "trades on [his|her] sex appeal to climb the social ladder"),
    ("awakening", "discovers [his|her] own desire for the first time after decades of marriage"),
    ("awakening", "awakens to a sensuality [he|she] had long denied"),
    ("awakening", "explores [his|her] fantasies during a summer alone"),
    ("awakening", "rediscovers passion in the arms of a stranger"),
    ("erotic_thriller", "is drawn into a deadly game of lust and betrayal"),
    ("erotic_thriller", "becomes entangled in an erotic cat-and-mouse game with a killer"),
    ("erotic_thriller", "falls for a seductive suspect who may be a murderer"),
    ("milieu", "works as a high-class escort for the city's most powerful men"),
    ("milieu", "runs an exclusive club where desire is the only currency"),
]
PLACES = [
    "during a sweltering summer in Marseille", "in 1950s Havana", "at a lakeside hotel in the Alps",
    "on a cruise along the Nile", "in a fishing village in Brittany",
    "over one long weekend in Lisbon", "in the casinos of Monte Carlo", "in Weimar-era Berlin",
    "in a sleepy Sicilian town", "on a remote Greek island", "in the heat of a New Orleans August",
    "in post-war Vienna", "on the Riviera in 1962", "in present-day Mexico City",
    "at a ski resort in Gstaad", "in a Tokyo business hotel", "in the vineyards of Burgundy",
    "in a crumbling Scottish manor", "on a sugar plantation in 1920s Cuba",
    "during a heatwave in Madrid", "in the backstreets of Istanbul", "at the Venice film festival",
    "on a yacht off Capri", "in the tango bars of Buenos Aires", "in a Swedish seaside town",
    "in a Parisian townhouse", "on a cattle ranch in Montana", "in wartime Cairo",
    "in the neon-lit streets of Hong Kong", "in Hamburg's harbour district",
    "in a spa town in Bohemia", "at a wedding on the Amalfi coast", "in 1970s Manhattan",
]
HEADERS = [
    "Marseille, 1962", "Summer on the Amalfi coast", "Havana, on the eve of the revolution",
    "A village in Provence, August", "Berlin, 1929", "One hot week in Seville",
    "A yacht, a storm, three guests", "Vienna, after the war", "Monte Carlo, high season",
    "A small town in Louisiana", "Lisbon, a long weekend", "New York, 1974",
]
FRAMING_TAGS = [
    "Nothing will ever be the same.", "Desire has a price.", "Some temptations are worth everything.",
    "Nobody leaves unchanged.", "The summer will burn.", "Someone is going to get hurt.",
    "Every glance is a promise.", "Passion never plays fair.", "By autumn, a marriage lies in ruins.",
    "The town will never forgive [him|her].",
]
GENRES = [
    "this sultry drama", "this steamy series", "this erotic thriller", "this sensual period piece",
    "this provocative romance", "this slow-burning tale of desire", "this glossy soap",
]

# ------------------------------------------------------------------ neutral
PEOPLE = [
    "f:a retired police inspector", "f:Ana, a hospital cleaner,", "m:a struggling dairy farmer",
    "f:an astronaut on her last mission", "m:a museum curator", "m:a taxi driver in Lagos",
    "f:a junior doctor", "m:a disgraced journalist", "f:a ferry captain",
    "m:Tomasz, a Polish electrician in Dublin,", "f:a newly elected mayor", "m:a retired boxer",
    "f:a forensic accountant", "m:a widowed schoolteacher", "f:a mountain guide",
    "m:a small-time crook", "f:a marine biologist", "m:a lonely lighthouse keeper",
    "f:a public defender", "m:a chess grandmaster", "f:an air traffic controller",
    "m:a mild-mannered insurance clerk", "f:a wildlife vet", "m:a stand-up comedian",
    "f:a train driver", "m:a former footballer", "f:an archaeologist", "m:a beekeeper",
    "f:a judge near retirement", "m:a hotel night porter", "f:a software engineer",
    "m:a bus driver in Glasgow", "f:a war correspondent", "m:a pastry chef",
    "f:a midwife in rural Kenya", "m:a submarine commander", "f:a librarian",
    "m:an elderly watchmaker", "f:a customs officer", "m:a long-haul trucker",
    "f:Grace, a sixty-year-old widow,", "m:a rookie firefighter", "f:a climate scientist",
]
PLOTS = [
    ("thriller", "uncovers a conspiracy that reaches the top of the government"),
    ("thriller", "must clear [his|her] name after being framed for a murder"),
    ("thriller", "finds a stranger's diary that predicts the next day's news"),
    ("thriller", "has one night to stop a bomb hidden somewhere in the city"),
    ("thriller", "witnesses a kidnapping and becomes the next target"),
    ("crime", "tracks a gang of art thieves across three countries"),
    ("crime", "is drawn into the family's smuggling business against [his|her] will"),
    ("crime", "reopens a cold case that the whole town wants forgotten"),
    ("crime", "plans one last heist before retirement"),
    ("comedy", "accidentally becomes the mayor of a village [he|she] has never visited"),
    ("comedy", "opens a restaurant with no cooking experience whatsoever"),
    ("comedy", "fakes a broken leg to get out of a family holiday"),
    ("comedy", "inherits a bankrupt circus and a very stubborn elephant"),
    ("comedy", "enters a national baking contest to win back an estranged sister"),
    ("drama", "fights to keep the family farm after a ruinous harvest"),
    ("drama", "returns home after twenty years to care for an ailing father"),
    ("drama", "rebuilds [his|her] life after losing everything in a flood"),
    ("drama", "must decide whether to testify against an old friend"),
    ("drama", "struggles to keep a rural hospital open"),
    ("sport", "trains for one last marathon after a knee operation"),
    ("sport", "coaches a hopeless amateur football team to the cup final"),
    ("sport", "attempts to row alone across the Atlantic"),
    ("sport", "gets a final shot at the world title"),
    ("family", "reconnects with an estranged brother on a road trip to the coast"),
    ("family", "tries to hold the family together after a sudden bankruptcy"),
    ("history", "smuggles refugees across the Pyrenees in 1941"),
    ("history", "keeps a diary of the siege that will outlast the war"),
    ("history", "helps build the first railway across the mountains"),
    ("scifi", "receives a radio signal from a star that died a thousand years ago"),
    ("scifi", "wakes up on a space station where the crew has vanished"),
    ("scifi", "discovers that the town repeats the same Tuesday over and over"),
    ("horror", "hears footsteps in the attic of the house [he|she] just bought"),
    ("horror", "realises the village has not seen a stranger leave in fifty years"),
    ("fantasy", "finds a map to a kingdom that exists only on rainy days"),
    ("fantasy", "is chosen to carry a cursed lantern across a frozen sea"),
    ("legal", "takes on a multinational in a case nobody thinks [he|she] can win"),
    ("medical", "must perform an impossible operation during a blackout"),
    ("western", "rides into a town where the sheriff has been missing for a week"),
    ("war", "leads a convoy of medical supplies through enemy territory"),
    ("mystery", "investigates the disappearance of a famous violin"),
    ("mystery", "is the only guest who notices the butler has a twin"),
]
SETTINGS = [
    "in a remote corner of the Scottish Highlands", "in 1970s Belfast", "on a storm-battered island",
    "in present-day Lagos", "in a small Dutch town", "during the longest winter in memory",
    "in the suburbs of Melbourne", "in 1920s Chicago", "on the Trans-Siberian Railway",
    "in a mining town in northern Chile", "in the Norwegian fjords", "in Cold War Berlin",
    "in a Bavarian village", "in modern-day Seoul", "in the Welsh valleys", "in post-war Naples",
    "in a Canadian logging camp", "on a research ship in the Antarctic", "in a quiet Kyoto suburb",
    "in Victorian London", "in the Mexican desert", "in a crumbling Cuban hotel",
    "in the Australian outback", "in the Faroe Islands", "in a Paris suburb",
    "during a general strike", "on the eve of an election", "in an Alpine valley",
]
STAKES = [
    "But time is running out.", "Nothing goes to plan.", "The whole town is watching.",
    "Based on a true story.", "Trust no one.", "It is harder than it looks.",
    "And the clock is ticking.", "Then the phone rings.", "Nobody believes [him|her].",
    "Help comes from an unexpected place.", "The truth is stranger than anyone thought.",
]
DOC_OPENERS = [
    "This documentary follows", "A docuseries about", "An intimate portrait of",
    "A film about", "This series meets", "A year with",
]
DOC_PEOPLE = [
    "the last ferry captains of the Hebrides", "the nurses of an Athens emergency ward",
    "the beekeepers of the Carpathian mountains", "a family of glassblowers in Venice",
    "the volunteers who run a rural fire brigade", "the engineers rebuilding a Gothic cathedral",
    "a team of Antarctic meteorologists", "the referees of the Premier League",
    "a Bolivian women's wrestling league", "the organ builders of Saxony",
    "the last coal miners in Poland", "a Kenyan team of wildlife rangers",
    "the street sweepers of New York", "a Syrian family running a bakery in Sweden",
    "the astronomers of the Atacama desert", "the dog sled racers of Alaska",
]
DOC_ACTIONS = [
    "as they prepare for the hardest season of their lives",
    "through a year of change and uncertainty", "over one turbulent summer",
    "as their way of life disappears", "as a new technology threatens their jobs",
    "from the first day of training to the final competition", "in archive footage and interviews",
]
COOKS = [
    "f:a Sicilian grandmother", "m:a Michelin-starred chef", "m:a street-food vendor in Hanoi",
    "f:a baker in rural Ireland", "m:a barbecue pitmaster from Texas", "f:a food historian",
    "m:a ramen master in Osaka", "f:a young pastry chef", "m:a fisherman-turned-cook",
]
COOK_ACTS = [
    "shares the recipes [his|her] family has cooked for a century",
    "travels the coast in search of forgotten dishes", "teaches a class of nervous beginners",
    "competes for a place at the country's most famous restaurant",
    "cooks a feast for an entire village", "rescues a failing restaurant in thirty days",
]

# ------------------------------------------------------------------ child_benign
CHILDREN = [
    "m:ten-year-old Sam", "f:Lily, 9,", "f:a shy fifth-grader", "f:an eleven-year-old girl",
    "m:a boy of eight", "m:Noah, who has just turned twelve,", "f:a Year 6 pupil",
    "m:a third-grader", "f:a little girl", "m:a young boy", "f:twelve-year-old Aisha",
    "m:Leo, 10,", "f:a nine-year-old tomboy", "m:a sixth-grader", "f:Mia, aged seven,",
    "m:an eleven-year-old from Glasgow", "f:a ten-year-old with a big imagination",
    "m:the youngest of five brothers", "f:a primary-school pupil", "m:Kofi, 11,",
    "f:an eight-year-old", "m:a boy of nearly eleven", "f:a girl in her last year of primary school",
    "m:Jamie, a twelve-year-old with asthma,", "f:Rosa, 10,", "m:a seven-year-old",
    "f:a schoolgirl from Leeds", "m:a schoolboy who loves trains", "f:Hana, 12,",
    "m:a quiet ten-year-old", "f:a fourth-grader", "m:Tariq, 9,",
]
CHILD_PLOTS = [
    ("adventure", "sets out to find [his|her] missing cat"),
    ("adventure", "discovers a secret tunnel under the school playground"),
    ("adventure", "follows a treasure map found in a library book"),
    ("adventure", "helps a lost puppy find its way home"),
    ("adventure", "builds a raft to explore the island in the middle of the lake"),
    ("school", "enters the regional science fair with a homemade volcano"),
    ("school", "starts a school newspaper that gets everyone talking"),
    ("school", "is determined to win the class spelling bee"),
    ("school", "organises a protest to save the school library"),
    ("school", "gets the lead in the end-of-year school play"),
    ("friendship", "befriends the lonely old man next door"),
    ("friendship", "makes an unlikely friend on the first day at a new school"),
    ("friendship", "tries to keep a best friend from moving away"),
    ("family", "helps [his|her] grandmother run the family bakery"),
    ("family", "plans a surprise birthday party for [his|her] mum"),
    ("family", "gets used to a new baby sister"),
    ("family", "spends the summer with grandparents on a farm"),
    ("illness", "starts a hospital radio show while recovering from surgery"),
    ("illness", "learns to live with diabetes and still plays in the school team"),
    ("sport", "trains for [his|her] first swimming gala"),
    ("sport", "joins the village football team and scores in [his|her] first match"),
    ("sport", "enters a go-kart race with a kart built from scrap"),
    ("sport", "learns to ride a horse at a riding school"),
    ("dance", "rehearses a folk dance for the school's summer show"),
    ("dance", "joins a ballet class and is the clumsiest dancer there"),
    ("dance", "enters a breakdancing contest at the community centre"),
    ("pageant", "dresses up as a pirate for the village fancy-dress parade"),
    ("first_crush", "is too shy to tell a classmate that [he|she] likes them"),
    ("first_crush", "writes a shy note to a classmate and hides it in a library book"),
    ("puberty", "worries about growing up and talks it through with a patient parent"),
    ("talent", "learns the violin from a retired musician"),
    ("talent", "wins a place in a national children's choir"),
    ("talent", "builds a robot that helps [his|her] grandfather around the house"),
    ("grief", "plants a tree in memory of a beloved grandparent"),
    ("animals", "raises an orphaned lamb on the family farm"),
    ("animals", "saves a hedgehog and nurses it back to health"),
]
CHILD_SETTINGS = [
    "in a small Welsh village", "during the summer holidays", "on a farm in Normandy",
    "in a busy corner of Mumbai", "at a seaside campsite", "on the first day of term",
    "in a snowed-in mountain town", "during half-term", "in 1980s Dublin",
    "at a boarding school in the Alps", "in a tower block in south London",
    "on a houseboat in Amsterdam", "in a fishing town in Maine", "at summer camp",
    "in a village on the edge of the Sahara", "over the Christmas holidays",
]
CHILD_TAGS = [
    "A heartwarming family film.", "An adventure for the whole family.",
    "Funny, warm and full of heart.", "A gentle story about growing up.",
    "Friendship can move mountains.", "Based on the much-loved children's book.",
    "Suitable for all ages.", "Nothing is impossible with a little courage.",
]

# ------------------------------------------------------------------ hard negatives
INVESTIGATORS = [
    "the detectives", "a team of social workers", "the prosecutors",
    "a child-protection charity", "two investigative journalists", "a family court judge",
    "an international police task force", "the lawyers", "a whistleblower and a reporter",
    "a small team of child-welfare officers",
]
ABUSE_SUBJECTS = [
    "who dismantled a trafficking ring that exploited children",
    "who exposed decades of abuse at a boarding school",
    "who rescue children from forced labour in brick kilns",
    "who helped survivors of abuse take their case to court",
    "who shut down a network exploiting children online",
    "who fought to protect girls from forced marriage",
    "who uncovered the abuse of young athletes by a team doctor",
    "who traced babies taken from their mothers in an adoption scandal",
    "who broke the silence around abuse in a church choir",
    "who brought a trafficking gang to trial",
]
ABUSE_OPENERS = [
    "This documentary follows", "A sober drama about", "A docuseries on",
    "Based on court records, a film about", "An investigative series about",
    "A restrained, fact-based drama about", "The true story of",
]
COUPLES = [
    "a widowed baker and a retired postman", "two pensioners at a seaside care home",
    "a couple married for fifty years", "two lonely neighbours in their seventies",
    "a shy librarian and a gentle carpenter", "two widowers who meet at a gardening club",
    "an elderly couple separated by dementia", "two pen pals who finally meet after forty years",
    "a soldier and the nurse who treated him", "a bus driver and a florist",
]
TENDER_ACTS = [
    "fall quietly in love", "plan their golden wedding anniversary",
    "learn to love again after loss", "write each other letters for a year",
    "renew their vows on the beach where they met", "share one last trip around the world",
    "look after each other through a long illness", "take ballroom lessons to surprise their family",
]
PARENTS = [
    "f:a single mother of three", "m:a divorced dad", "f:a widowed nurse", "m:a stay-at-home father",
    "f:a newly separated lawyer", "m:a busy fire chief", "f:a mum of twins", "m:a retired sailor",
]
PARENT_ACTS = [
    "tries to get [his|her] kids to school on time while running a food truck",
    "takes [his|her] kids on a chaotic road trip to see their grandmother",
    "juggles two jobs and three kids in a tiny flat",
    "is set up on a blind date by [his|her] own kids",
    "moves [his|her] kids to a remote island for a fresh start",
    "promises [his|her] kids the perfect Christmas and gets everything wrong",
    "goes back to university and studies alongside [his|her] kids",
]
YOUTH_GROUPS = [
    "the girls from the accounts department", "four retired firemen on a boys' weekend",
    "the old boys of the village cricket club", "a group of grandmothers who call themselves the girls",
    "the lads from the building site", "three best girlfriends, all turning sixty,",
    "the boys in blue of a sleepy coastal station", "a hen party of forty-something friends",
    "the golden girls of a retirement village", "the bad boys of a care home",
]
YOUTH_ACTS = [
    "head to Lisbon for a week of sightseeing and bad karaoke", "enter a national pub quiz",
    "try to save their local swimming pool", "plan a surprise party for their boss",
    "go fishing in Norway and get lost", "solve a jewel theft in their own street",
    "start a rock band forty years too late", "take over the village's annual fête",
]
DANCERS = [
    "f:a retired accountant", "m:a widowed farmer", "f:a grandmother of six",
    "m:a burly dockworker", "f:a night-shift nurse", "m:a shy IT consultant",
    "f:a former Olympic rower", "m:a recently retired bus driver",
]
DANCES = [
    "salsa", "ballroom dancing", "tango", "line dancing", "flamenco",
    "competitive pole fitness", "aqua aerobics", "swing dancing", "tap dancing",
]
DANCE_REASONS = [
    "to get fit after a heart scare", "to honour a late spouse",
    "to make new friends after retiring", "and ends up in a national competition",
    "to prove a point to the family", "and finds an unexpected second career",
]
HEALTH_FORMATS = [
    "A frank documentary about", "A public-health series on", "An educational film about",
    "A warm, practical series about", "A doctor-led documentary on", "A factual programme about",
]
HEALTH_TOPICS = [
    "menopause", "fertility and IVF", "the history of contraception",
    "sexual health in later life", "consent and respect in adult relationships",
    "prostate cancer screening", "how parents can talk to children about puberty",
    "HIV prevention", "endometriosis", "pregnancy after forty",
]
HEALTH_PRESENTERS = [
    "presented by a GP", "with doctors answering viewers' questions",
    "made with community health workers", "hosted by a gynaecologist",
    "told through patients' own stories", "with nurses from a sexual-health clinic",
]
HOT_FOOD = [
    "Hot and spicy Sichuan hotpot", "Steamy bamboo baskets of dumplings", "Sizzling fajitas",
    "A sinfully rich chocolate fondant", "Seductively smooth Italian gelato",
    "Fiery Jamaican jerk chicken", "Piping-hot Texas chilli", "An irresistible tarte tatin",
    "Steaming bowls of pho", "Hot buttered crumpets",
]
HOT_TAILS = [
    "from a tiny kitchen in Chengdu", "and the family who have cooked it for sixty years",
    "at the heart of a street-food competition", "on a culinary road trip through the south",
    "in a cookery series for beginners", "made by a chef who learned from her grandmother",
]
HOT_OTHER = [
    "A sweltering heatwave grips the city as firefighters battle a blaze in the hills.",
    "The seductive lines of a 1960s Italian sports car, restored bolt by bolt.",
    "A steamy rainforest expedition in search of a lost temple.",
    "Hot-air balloons fill the sky at the world's largest festival.",
    "A sultry afternoon in Savannah, a missing heirloom and a very nosy neighbour.",
    "The hottest ticket in town is a cooking class run by a retired judge.",
    "Tempting pastries and a baker who rises at three every morning.",
    "A naughty puppy causes havoc at a dog show.",
]
SURVIVORS = [
    "f:a woman in her thirties", "m:a former footballer", "f:a retired teacher",
    "f:a young mother", "m:a man in his fifties", "f:a television presenter",
]
PLAIN_ACTS = [
    "rebuilds [his|her] life after leaving a violent partner",
    "takes an abuser to court in a case based on real events",
    "comes out to [his|her] family after years of silence",
    "starts couples therapy after twenty years of marriage",
    "looks for love again on a television dating show",
    "speaks out about harassment in the workplace",
]

GRAMMAR: dict[str, list[dict[str, Any]]] = {
    "framing": [
        {"templates": ["{S^} {P} {T}.", "{T^}, {S} {P}.", "{S^} {P}. {X}", "{S^} {P} {T}. {X}"],
         "slots": {"S": ADULTS, "P": FRAMING, "T": PLACES, "X": FRAMING_TAGS}, "kind_slot": "P"},
        {"templates": ["{H}: {S} {P}.", "{H}. {S^} {P}.", "In {G}, {S} {P} {T}."],
         "slots": {"S": ADULTS, "P": FRAMING, "T": PLACES, "H": HEADERS, "G": GENRES},
         "kind_slot": "P"},
    ],
    "neutral": [
        {"templates": ["{S^} {P} {T}.", "{T^}, {S} {P}.", "{S^} {P}. {X}", "{S^} {P} {T}. {X}"],
         "slots": {"S": PEOPLE, "P": PLOTS, "T": SETTINGS, "X": STAKES}, "kind_slot": "P", "weight": 6},
        {"templates": ["{D} {Q} {A}."], "kind": "documentary", "weight": 2,
         "slots": {"D": DOC_OPENERS, "Q": DOC_PEOPLE, "A": DOC_ACTIONS}},
        {"templates": ["{S^} {P}.", "In this cooking series, {S} {P}."], "kind": "cooking",
         "slots": {"S": COOKS, "P": COOK_ACTS}},
    ],
    "child_benign": [
        {"templates": ["{S^} {P} {T}.", "{T^}, {S} {P}.", "{S^} {P}. {X}", "{S^} {P} {T}. {X}"],
         "slots": {"S": CHILDREN, "P": CHILD_PLOTS, "T": CHILD_SETTINGS, "X": CHILD_TAGS},
         "kind_slot": "P"},
    ],
    "hard_negative": [
        {"templates": ["{D} {I} {A}.", "{D} {I} {A}, {T}."], "kind": "abuse_documentary",
         "slots": {"D": ABUSE_OPENERS, "I": INVESTIGATORS, "A": ABUSE_SUBJECTS, "T": SETTINGS}},
        {"templates": ["{C^} {A}.", "A tender romance: {C} {A}."], "kind": "tender_romance",
         "slots": {"C": COUPLES, "A": TENDER_ACTS}},
        {"templates": ["{P^} {A}.", "A warm comedy in which {P} {A}."], "kind": "kids_as_family",
         "slots": {"P": PARENTS, "A": PARENT_ACTS}},
        {"templates": ["{G^} {A}.", "A comedy in which {G} {A}."], "kind": "youthful_words_adults",
         "slots": {"G": YOUTH_GROUPS, "A": YOUTH_ACTS}},
        {"templates": ["{P^} takes up {D} {R}.", "At sixty, {P} takes up {D} {R}."],
         "kind": "adult_dance_fitness",
         "slots": {"P": DANCERS, "D": DANCES, "R": DANCE_REASONS}},
        {"templates": ["{F} {H}, {P}."], "kind": "sex_education",
         "slots": {"F": HEALTH_FORMATS, "H": HEALTH_TOPICS, "P": HEALTH_PRESENTERS}},
        {"templates": ["{F} {T}.", "{O}"], "kind": "hot_words",
         "slots": {"F": HOT_FOOD, "T": HOT_TAILS, "O": HOT_OTHER}},
        {"templates": ["{S^} {A}.", "A drama in which {S} {A}."], "kind": "mature_plain",
         "slots": {"S": SURVIVORS, "A": PLAIN_ACTS}},
    ],
}
