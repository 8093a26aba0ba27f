# ruff: noqa: E501 - hand-written prose fragments, one list per slot, kept compact
"""Deutsche Fragmente für generate.py (von Hand geschrieben; Notation: siehe generate.py).

Deutsch verlangt Verbzweitstellung: Darum beginnen die Vorlagen mit dem Subjekt, einer
Überschrift mit Doppelpunkt oder einer Genreangabe mit Doppelpunkt, nie mit einer Ortsangabe.
"""

from __future__ import annotations

from typing import Any

# ------------------------------------------------------------------ framing (Erwachsene)
ERWACHSENE = [
    "f:eine Witwe Mitte vierzig", "f:eine geschiedene Anwältin", "m:ein verheirateter Chirurg",
    "f:eine ehemalige Opernsängerin", "m:ein charmanter Sommelier",
    "f:Elena, eine achtunddreißigjährige Übersetzerin,", "m:Marco, ein Fischer in den Fünfzigern,",
    "f:eine gelangweilte Erbin", "m:ein in Ungnade gefallener Professor",
    "f:eine frisch geschiedene Architektin", "m:ein alternder Filmstar", "f:eine Nachtclubsängerin",
    "m:ein Handelsvertreter", "f:die Frau des Botschafters", "m:der neue Tennislehrer des Clubs",
    "f:eine Concierge in einem Grandhotel", "f:eine reiche Kunstsammlerin in den Sechzigern",
    "m:ein verwitweter Winzer", "f:eine glamouröse Hochstaplerin", "m:ein Herumtreiber Mitte dreißig",
    "f:die Frau des Leuchtturmwärters", "m:ein berühmter Porträtmaler", "f:eine Revuetänzerin",
    "m:ein redegewandter Diplomat", "f:Claire, eine vierzigjährige Filialleiterin,",
    "m:Daniel, ein verheirateter Linienpilot,", "f:ein ehemaliges Model mit fünfzig",
    "m:ein attraktiver Landtierarzt", "f:eine geheimnisvolle Fremde", "m:ein grüblerischer Romancier",
    "f:eine gefeierte Parfümeurin", "m:ein Skilehrer Ende zwanzig", "f:eine hartgesottene Kommissarin",
    "m:ein Jazzpianist", "f:eine Nachtschwester", "f:die Wirtin einer Pension am Meer",
    "m:ein General im Ruhestand", "f:eine Bildhauerin in den Dreißigern", "m:ein Börsenmakler",
    "f:eine Sterneköchin", "m:ein Kriegsfotograf auf Heimaturlaub",
    "f:Nadia, eine fünfundvierzigjährige Apothekerin,", "f:eine gelangweilte Hausfrau",
    "m:ein Gigolo an der Riviera", "m:ein Provinznotar",
]
RAHMUNG = [
    ("seduction", "verführt den jungen Architekten, der gerade gegenüber eingezogen ist"),
    ("seduction", "hat es auf einen verheirateten Kollegen abgesehen"),
    ("seduction", "verführt einen reichen Fremden, um an das Familienvermögen zu kommen"),
    ("seduction", "treibt ein gefährliches Spiel der Verführung mit zwei Brüdern"),
    ("seduction", "entlockt einem ausländischen Minister mit Verführungskunst seine Geheimnisse"),
    ("seduction", "verführt den einzigen Zeugen, der [ihn|sie] ins Gefängnis bringen könnte"),
    ("seduction", "wirft ein Auge auf den viel jüngeren Gärtner"),
    ("seduction", "verdreht dem Verlobten der Rivalin den Kopf"),
    ("adult_gaze", "wird zum Ziel aller gierigen Blicke der Stadt"),
    ("adult_gaze", "wird Nacht für Nacht vom Nachbarn gegenüber beobachtet"),
    ("adult_gaze", "wird zur Obsession eines Fotografen, der [ihn|sie] aus der Ferne filmt"),
    ("adult_gaze", "verbringt den Sommer damit, die Gäste der Villa unten zu beobachten"),
    ("adult_gaze", "wird im Hotelpool in schwelgerischen Nahaufnahmen gefilmt"),
    ("adult_gaze", "posiert halb entkleidet für einen Maler, der den Blick nicht abwenden kann"),
    ("adult_gaze", "zieht die Blicke aller Männer an der Bar auf sich und genießt es"),
    ("performance", "tanzt jeden Abend für die Männer in einer verrauchten Hafenbar"),
    ("performance", "wird zum Star einer mitternächtlichen Burlesque-Revue"),
    ("performance", "tanzt privat für einen gefährlichen Kunden"),
    ("performance", "strippt in einem Herrenclub, um Schulden abzuzahlen"),
    ("performance", "führt ein Kabarett, in dem das Publikum dafür zahlt, gereizt zu werden"),
    ("performance", "singt laszive Nummern für reiche Gönner"),
    ("performance", "tanzt auf den Tischen vor johlenden Geschäftsleuten"),
    ("effect_on_others", "bringt die halbe Stadt um den Verstand"),
    ("effect_on_others", "verdreht überall die Köpfe, und Ehen geraten ins Wanken"),
    ("effect_on_others", "versetzt mit [seiner|ihrer] sinnlichen Ausstrahlung das ganze Dorf in Aufruhr"),
    ("effect_on_others", "hinterlässt verwirrte Verehrer und zerbrochene Ehen"),
    ("effect_on_others", "weckt in den Hotelgästen Begierden, die keiner zugeben will"),
    ("relationship", "beginnt eine heiße Affäre mit einem verheirateten Kollegen"),
    ("relationship", "stürzt sich in eine leidenschaftliche Affäre mit einem Fremden aus dem Nachtzug"),
    ("relationship", "beginnt eine heimliche Affäre mit dem eigenen Leibwächter"),
    ("relationship", "lässt eine glühende Affäre mit einer früheren Liebe wieder aufleben"),
    ("relationship", "erliegt einer verbotenen Leidenschaft für den besten Freund des verstorbenen Ehepartners"),
    ("relationship", "lässt sich auf eine skandalöse Romanze mit dem ermittelnden Kommissar ein"),
    ("allure", "setzt [seinen|ihren] Körper als Waffe ein, um zu bekommen, was [er|sie] will"),
    ("allure", "wird [zum begehrtesten Mann|zur begehrtesten Frau] der Insel"),
    ("allure", "treibt einen treuen, verheirateten Nachbarn in den Verrat"),
    ("allure", "betört reiche Verehrer mit einem Blick und einem Lächeln"),
    ("allure", "nutzt [seinen|ihren] Sexappeal, um gesellschaftlich aufzusteigen"),
    ("awakening", "entdeckt nach Jahrzehnten der Ehe zum ersten Mal das eigene Begehren"),
    ("awakening", "erwacht zu einer lange unterdrückten Sinnlichkeit"),
    ("awakening", "erkundet in einem Sommer allein [seine|ihre] Fantasien"),
    ("awakening", "entdeckt in den Armen eines Fremden die Leidenschaft neu"),
    ("erotic_thriller", "gerät in ein tödliches Spiel aus Lust und Verrat"),
    ("erotic_thriller", "verstrickt sich in ein erotisches Katz-und-Maus-Spiel mit einem Mörder"),
    ("erotic_thriller", "verfällt einem verführerischen Verdächtigen, der ein Mörder sein könnte"),
    ("milieu", "arbeitet als Luxus-Escort für die mächtigsten Männer der Stadt"),
    ("milieu", "führt einen exklusiven Club, in dem Begierde die einzige Währung ist"),
]
ORTE = [
    "in einem glühend heißen Sommer in Marseille", "im Havanna der Fünfzigerjahre",
    "in einem Hotel an einem Alpensee", "auf einer Nilkreuzfahrt", "in einem bretonischen Fischerdorf",
    "an einem langen Wochenende in Lissabon", "in den Casinos von Monte Carlo",
    "im Berlin der Weimarer Republik", "in einem verschlafenen sizilianischen Städtchen",
    "auf einer abgelegenen griechischen Insel", "in der schwülen Augusthitze von New Orleans",
    "im Wien der Nachkriegszeit", "an der Riviera im Jahr 1962", "im heutigen Mexiko-Stadt",
    "in einem Skiort in Kitzbühel", "in einem Businesshotel in Tokio", "in den Weinbergen Burgunds",
    "in einem verfallenen schottischen Herrenhaus", "auf einer kubanischen Zuckerrohrplantage",
    "während einer Hitzewelle in Madrid", "in den Gassen Istanbuls", "bei den Filmfestspielen von Venedig",
    "auf einer Jacht vor Capri", "in den Tangobars von Buenos Aires", "in einem Badeort an der Ostsee",
    "in einer Pariser Stadtvilla", "auf einer Ranch in Montana", "im Kairo der Kriegsjahre",
    "in den Neonstraßen Hongkongs", "auf St. Pauli", "in einem böhmischen Kurort",
    "bei einer Hochzeit an der Amalfiküste", "im Manhattan der Siebzigerjahre",
]
KOPFZEILEN = [
    "Marseille, 1962", "Sommer an der Amalfiküste", "Havanna, am Vorabend der Revolution",
    "Ein Dorf in der Provence im August", "Berlin, 1929", "Eine Woche Hitze in Sevilla",
    "Eine Jacht, ein Sturm, drei Gäste", "Wien nach dem Krieg", "Monte Carlo in der Hochsaison",
    "Eine Kleinstadt in Louisiana", "Lissabon, ein langes Wochenende", "New York, 1974",
]
ZUSAETZE = [
    "Nichts wird je wieder so sein wie zuvor.", "Begierde hat ihren Preis.",
    "Manche Versuchungen sind alles wert.", "Niemand kommt ungeschoren davon.",
    "Der Sommer wird brennen.", "Jemand wird verletzt werden.", "Jeder Blick ist ein Versprechen.",
    "Leidenschaft spielt nie fair.", "Im Herbst liegt eine Ehe in Trümmern.",
    "Die Stadt wird es [ihm|ihr] nie verzeihen.",
]
GENRES = [
    "Ein sinnliches Drama", "Eine heiße Serie", "Ein Erotikthriller", "Ein sinnlicher Kostümfilm",
    "Eine provokante Romanze", "Eine langsam glühende Geschichte der Begierde", "Eine glamouröse Seifenoper",
]

# ------------------------------------------------------------------ neutral
LEUTE = [
    "f:eine pensionierte Kommissarin", "f:Ana, eine Reinigungskraft im Krankenhaus,",
    "m:ein Milchbauer in Geldnot", "f:eine Astronautin auf ihrer letzten Mission",
    "m:ein Museumskurator", "m:ein Taxifahrer in Lagos", "f:eine junge Assistenzärztin",
    "m:ein in Ungnade gefallener Journalist", "f:eine Fährkapitänin",
    "m:Tomasz, ein polnischer Elektriker in Dublin,", "f:eine frisch gewählte Bürgermeisterin",
    "m:ein ehemaliger Boxer", "f:eine Wirtschaftsprüferin", "m:ein verwitweter Lehrer",
    "f:eine Bergführerin", "m:ein kleiner Gauner", "f:eine Meeresbiologin",
    "m:ein einsamer Leuchtturmwärter", "f:eine Pflichtverteidigerin", "m:ein Schachgroßmeister",
    "f:eine Fluglotsin", "m:ein schüchterner Versicherungsangestellter", "f:eine Wildtierärztin",
    "m:ein Comedian", "f:eine Lokführerin", "m:ein ehemaliger Fußballprofi", "f:eine Archäologin",
    "m:ein Imker", "f:eine Richterin kurz vor der Pensionierung", "m:ein Nachtportier",
    "f:eine Softwareentwicklerin", "m:ein Busfahrer aus Dortmund", "f:eine Kriegsreporterin",
    "m:ein Konditor", "f:eine Hebamme im ländlichen Kenia", "m:ein U-Boot-Kommandant",
    "f:eine Bibliothekarin", "m:ein alter Uhrmacher", "f:eine Zollbeamtin", "m:ein Fernfahrer",
    "f:Gerda, eine sechzigjährige Witwe,", "m:ein junger Feuerwehrmann", "f:eine Klimaforscherin",
]
HANDLUNGEN = [
    ("thriller", "deckt eine Verschwörung auf, die bis in die Regierungsspitze reicht"),
    ("thriller", "muss nach einer falschen Mordanklage [seinen|ihren] Namen reinwaschen"),
    ("thriller", "findet das Tagebuch eines Fremden, das die Nachrichten des nächsten Tages vorhersagt"),
    ("thriller", "hat eine Nacht, um eine in der Stadt versteckte Bombe zu finden"),
    ("thriller", "wird Zeuge einer Entführung und gerät selbst ins Visier"),
    ("crime", "jagt eine Bande von Kunstdieben durch drei Länder"),
    ("crime", "wird gegen [seinen|ihren] Willen in das Schmuggelgeschäft der Familie hineingezogen"),
    ("crime", "rollt einen alten Fall neu auf, den die ganze Stadt vergessen will"),
    ("crime", "plant vor dem Ruhestand einen letzten Coup"),
    ("comedy", "wird aus Versehen Bürgermeister[|in] eines Dorfes, in dem [er|sie] nie war"),
    ("comedy", "eröffnet ein Restaurant, ohne ein Ei kochen zu können"),
    ("comedy", "täuscht ein gebrochenes Bein vor, um dem Familienurlaub zu entgehen"),
    ("comedy", "erbt einen bankrotten Zirkus und einen sehr sturen Elefanten"),
    ("comedy", "meldet sich zu einem Backwettbewerb an, um sich mit der Schwester zu versöhnen"),
    ("drama", "kämpft nach einer Missernte um den Familienhof"),
    ("drama", "kehrt nach zwanzig Jahren heim, um den kranken Vater zu pflegen"),
    ("drama", "baut nach einem Hochwasser, das alles zerstört hat, ein neues Leben auf"),
    ("drama", "muss entscheiden, ob [er|sie] gegen einen alten Freund aussagt"),
    ("drama", "kämpft um den Erhalt eines kleinen Landkrankenhauses"),
    ("sport", "trainiert nach einer Knieoperation für einen letzten Marathon"),
    ("sport", "führt eine hoffnungslose Amateurmannschaft bis ins Pokalfinale"),
    ("sport", "will allein über den Atlantik rudern"),
    ("sport", "bekommt eine letzte Chance auf den Weltmeistertitel"),
    ("family", "findet auf einer Fahrt an die Küste wieder zu einem entfremdeten Bruder"),
    ("family", "versucht nach einer plötzlichen Pleite, die Familie zusammenzuhalten"),
    ("history", "schleust 1941 Flüchtlinge über die Pyrenäen"),
    ("history", "führt das Tagebuch einer Belagerung, das den Krieg überdauern wird"),
    ("history", "hilft beim Bau der ersten Gebirgsbahn"),
    ("scifi", "empfängt ein Funksignal von einem Stern, der vor tausend Jahren erloschen ist"),
    ("scifi", "erwacht auf einer Raumstation, deren Besatzung verschwunden ist"),
    ("scifi", "entdeckt, dass [seine|ihre] Stadt immer wieder denselben Dienstag erlebt"),
    ("horror", "hört Schritte auf dem Dachboden des gerade gekauften Hauses"),
    ("horror", "merkt, dass seit fünfzig Jahren niemand das Dorf verlassen hat"),
    ("fantasy", "findet die Karte eines Königreichs, das es nur an Regentagen gibt"),
    ("legal", "nimmt es mit einem Weltkonzern auf, in einem Prozess, den niemand für gewinnbar hält"),
    ("medical", "muss während eines Stromausfalls eine unmögliche Operation durchführen"),
    ("western", "reitet in eine Stadt, deren Sheriff seit einer Woche verschwunden ist"),
    ("war", "führt einen Konvoi mit Medikamenten durch feindliches Gebiet"),
    ("mystery", "ermittelt im Verschwinden einer berühmten Geige"),
    ("mystery", "bemerkt als einziger Gast, dass der Butler einen Zwillingsbruder hat"),
]
SCHAUPLAETZE = [
    "in einem abgelegenen Winkel der Highlands", "im Belfast der Siebzigerjahre",
    "auf einer sturmumtosten Insel", "im heutigen Lagos", "in einer niederländischen Kleinstadt",
    "im längsten Winter seit Menschengedenken", "in einem Vorort von Melbourne",
    "im Chicago der Zwanzigerjahre", "an Bord der Transsibirischen Eisenbahn",
    "in einer Bergbaustadt im Norden Chiles", "in den norwegischen Fjorden",
    "im Berlin des Kalten Krieges", "in einem Dorf in Oberbayern", "im heutigen Seoul",
    "in den Tälern des Schwarzwalds", "im Neapel der Nachkriegszeit", "in einem kanadischen Holzfällercamp",
    "auf einem Forschungsschiff in der Antarktis", "in einem ruhigen Vorort von Kyoto",
    "im viktorianischen London", "in der mexikanischen Wüste", "in einem heruntergekommenen Hotel in Havanna",
    "im australischen Outback", "auf den Färöern", "in einer Hochhaussiedlung am Stadtrand von Köln",
    "während eines Generalstreiks", "am Vorabend einer Wahl", "in einem Alpental",
]
SPANNUNG = [
    "Doch die Zeit läuft davon.", "Nichts läuft nach Plan.", "Die ganze Stadt schaut zu.",
    "Nach einer wahren Geschichte.", "Trau niemandem.", "Es ist schwerer, als es aussieht.",
    "Und die Uhr tickt.", "Dann klingelt das Telefon.", "Niemand glaubt [ihm|ihr].",
    "Hilfe kommt von unerwarteter Seite.", "Die Wahrheit ist seltsamer, als alle dachten.",
]
DOKU_ANFAENGE = [
    "Diese Dokumentation begleitet", "Eine Doku-Serie über", "Ein intimes Porträt über",
    "Ein Film über", "Diese Serie porträtiert", "Ein Jahr lang begleitet die Kamera",
]
DOKU_MENSCHEN = [
    "die letzten Fährkapitäne der Hebriden", "die Pflegekräfte einer Notaufnahme in Athen",
    "die Imker der Karpaten", "eine Familie von Glasbläsern in Venedig",
    "die Freiwillige Feuerwehr eines Bergdorfs", "die Steinmetze einer gotischen Kathedrale",
    "ein Team von Meteorologen in der Antarktis", "die Schiedsrichter der Bundesliga",
    "eine Frauen-Wrestlingliga in Bolivien", "die Orgelbauer des Erzgebirges",
    "die letzten Bergleute Polens", "ein Team kenianischer Wildhüter",
    "die Müllwerker von New York", "eine syrische Familie, die in Schweden eine Bäckerei führt",
    "die Astronomen der Atacama-Wüste", "die Schlittenhundeführer Alaskas",
]
DOKU_ZUSAETZE = [
    "in der härtesten Saison ihres Lebens", "durch ein Jahr voller Umbrüche",
    "über einen turbulenten Sommer", ", während ihre Lebensweise verschwindet",
    ", während eine neue Technik ihre Arbeit bedroht", "vom ersten Training bis zum Finale",
    "mit Archivmaterial und Interviews",
]
KOECHE = [
    "f:eine sizilianische Großmutter", "m:ein Sternekoch", "m:ein Straßenkoch in Hanoi",
    "f:eine Bäckerin aus dem ländlichen Irland", "m:ein Grillmeister aus Texas",
    "f:eine Food-Historikerin", "m:ein Ramen-Meister aus Osaka", "f:eine junge Konditorin",
    "m:ein Fischer, der Koch geworden ist,",
]
KOCH_HANDLUNGEN = [
    "teilt die Rezepte, die [seine|ihre] Familie seit hundert Jahren kocht",
    "reist die Küste entlang auf der Suche nach vergessenen Gerichten",
    "unterrichtet eine Klasse nervöser Anfänger",
    "kämpft um einen Platz im berühmtesten Restaurant des Landes",
    "kocht ein Festmahl für ein ganzes Dorf", "rettet in dreißig Tagen ein marodes Restaurant",
]

# ------------------------------------------------------------------ Kinder (harmlos)
KINDER = [
    "m:der zehnjährige Sam", "f:Lily, 9,", "f:eine schüchterne Fünftklässlerin",
    "f:ein elfjähriges Mädchen", "m:ein achtjähriger Junge", "m:Noah, der gerade zwölf geworden ist,",
    "f:eine Viertklässlerin", "m:ein Drittklässler", "f:ein kleines Mädchen", "m:ein kleiner Junge",
    "f:die zwölfjährige Aisha", "m:Leo, 10,", "f:eine fußballverrückte Neunjährige",
    "m:ein Sechstklässler", "f:Mia, sieben Jahre alt,", "m:ein Elfjähriger aus Gelsenkirchen",
    "f:eine Zehnjährige mit viel Fantasie", "m:der Jüngste von fünf Brüdern", "f:eine Grundschülerin",
    "m:Kofi, 11,", "f:eine Achtjährige", "m:ein Junge von fast elf Jahren",
    "f:eine Schülerin im letzten Grundschuljahr", "m:Jamie, ein zwölfjähriger Asthmatiker,",
    "f:Rosa, 10,", "m:ein Siebenjähriger", "f:eine Schülerin aus Leipzig",
    "m:ein eisenbahnverrückter Schuljunge", "f:Hana, 12,", "m:ein stiller Zehnjähriger",
    "f:eine Drittklässlerin", "m:Tarik, 9,",
]
KINDER_HANDLUNGEN = [
    ("adventure", "sucht nach [seiner|ihrer] verschwundenen Katze"),
    ("adventure", "entdeckt einen Geheimgang unter dem Schulhof"),
    ("adventure", "folgt einer Schatzkarte aus einem Bibliotheksbuch"),
    ("adventure", "hilft einem verirrten Welpen, nach Hause zu finden"),
    ("adventure", "baut ein Floß, um die Insel im See zu erkunden"),
    ("school", "tritt mit einem selbstgebauten Vulkan beim Schülerwettbewerb an"),
    ("school", "gründet eine Schülerzeitung, über die alle reden"),
    ("school", "will unbedingt den Lesewettbewerb der Klasse gewinnen"),
    ("school", "sammelt Unterschriften, um die Schulbücherei zu retten"),
    ("school", "bekommt die Hauptrolle im Schultheaterstück"),
    ("friendship", "freundet sich mit dem einsamen alten Nachbarn an"),
    ("friendship", "findet am ersten Tag an der neuen Schule einen unerwarteten Freund"),
    ("friendship", "will verhindern, dass der beste Freund wegzieht"),
    ("family", "hilft der Oma in der Familienbäckerei"),
    ("family", "plant eine Überraschungsparty zum Geburtstag der Mutter"),
    ("family", "gewöhnt sich an eine neue kleine Schwester"),
    ("family", "verbringt den Sommer bei den Großeltern auf dem Bauernhof"),
    ("illness", "macht während der Genesung eine Sendung im Krankenhausradio"),
    ("illness", "lernt, mit Diabetes zu leben, und spielt trotzdem in der Schulmannschaft"),
    ("sport", "trainiert für den ersten Schwimmwettkampf"),
    ("sport", "kommt in die Fußballmannschaft des Dorfes und trifft gleich im ersten Spiel"),
    ("sport", "fährt mit einer Seifenkiste aus Schrott beim Dorfrennen mit"),
    ("sport", "lernt auf einem Reiterhof reiten"),
    ("dance", "probt einen Volkstanz für das Sommerfest der Schule"),
    ("dance", "meldet sich zum Ballett an und ist dort am tollpatschigsten"),
    ("dance", "tritt beim Breakdance-Wettbewerb im Jugendzentrum an"),
    ("pageant", "verkleidet sich für den Faschingsumzug im Dorf als Pirat"),
    ("first_crush", "traut sich nicht, einem Klassenkameraden zu sagen, dass [er|sie] ihn mag"),
    ("first_crush", "versteckt einen schüchternen Zettel für eine Mitschülerin in einem Bibliotheksbuch"),
    ("puberty", "macht sich Sorgen ums Großwerden und spricht mit einem geduldigen Vater darüber"),
    ("talent", "lernt bei einem pensionierten Musiker Geige"),
    ("talent", "bekommt einen Platz in einem bundesweiten Kinderchor"),
    ("talent", "baut einen Roboter, der dem Opa im Haushalt hilft"),
    ("grief", "pflanzt einen Baum zur Erinnerung an die geliebte Großmutter"),
    ("animals", "zieht auf dem Hof der Familie ein verwaistes Lamm groß"),
    ("animals", "rettet einen Igel und päppelt ihn wieder auf"),
]
KINDER_ORTE = [
    "in einem kleinen Dorf in der Eifel", "in den Sommerferien", "auf einem Bauernhof in der Normandie",
    "in einem quirligen Viertel von Mumbai", "auf einem Campingplatz am Meer", "am ersten Schultag",
    "in einem eingeschneiten Bergdorf", "in den Herbstferien", "im Dublin der Achtzigerjahre",
    "in einem Internat in den Alpen", "in einer Hochhaussiedlung in Hamburg",
    "auf einem Hausboot in Amsterdam", "in einem Fischerort in Maine", "im Ferienlager",
    "in einem Dorf am Rand der Sahara", "in den Weihnachtsferien",
]
KINDER_ZUSAETZE = [
    "Ein warmherziger Familienfilm.", "Ein Abenteuer für die ganze Familie.",
    "Witzig, warm und voller Herz.", "Eine sanfte Geschichte übers Großwerden.",
    "Freundschaft versetzt Berge.", "Nach dem beliebten Kinderbuch.",
    "Für alle Altersgruppen.", "Mit ein bisschen Mut ist nichts unmöglich.",
]

# ------------------------------------------------------------------ Fallen (hard negatives)
ERMITTELNDE = [
    "die Ermittlerinnen und Ermittler", "Sozialarbeiterinnen eines Jugendamts", "die Staatsanwälte",
    "die Mitarbeiterinnen einer Kinderschutzorganisation", "zwei Investigativjournalistinnen",
    "die Familienrichter", "die Beamten einer internationalen Polizeieinheit", "die Anwältinnen",
    "eine Whistleblowerin und ein Reporter", "die Mitarbeiter einer Fachdienststelle",
]
MISSBRAUCHSTHEMEN = [
    "die einen Menschenhändlerring zerschlugen, der Kinder ausbeutete",
    "die jahrzehntelangen Missbrauch in einem Internat aufdeckten",
    "die Kinder aus der Zwangsarbeit in Ziegeleien befreien",
    "die Betroffenen von Missbrauch halfen, vor Gericht zu ziehen",
    "die ein Netzwerk zur Ausbeutung von Kindern im Internet aushoben",
    "die dafür kämpften, Mädchen vor der Zwangsheirat zu schützen",
    "die den Missbrauch junger Sportlerinnen durch einen Teamarzt aufdeckten",
    "die Babys aufspürten, die ihren Müttern bei einem Adoptionsskandal genommen wurden",
    "die das Schweigen über Missbrauch in einem Knabenchor brachen",
    "die eine Schleuserbande vor Gericht brachten",
]
MISSBRAUCH_ANFAENGE = [
    "Diese Dokumentation begleitet", "Ein nüchternes Drama über", "Eine Doku-Serie über",
    "Nach Gerichtsakten erzählt: ein Film über", "Eine Recherche-Serie über",
    "Ein zurückhaltendes, auf Fakten beruhendes Drama über", "Die wahre Geschichte über",
]
PAARE = [
    "eine verwitwete Bäckerin und ein pensionierter Briefträger",
    "zwei Bewohner eines Seniorenheims am Meer", "zwei seit fünfzig Jahren verheiratete Eheleute",
    "zwei einsame Nachbarn in den Siebzigern", "eine schüchterne Bibliothekarin und ein sanfter Schreiner",
    "zwei Witwer aus dem Kleingartenverein", "zwei alte Eheleute, die eine Krankheit zu trennen droht,",
    "zwei Brieffreunde, die sich nach vierzig Jahren endlich treffen",
    "ein Soldat und die Krankenschwester, die ihn gepflegt hat", "eine Floristin und ein Busfahrer",
]
ZARTE_GESTEN = [
    "verlieben sich ganz langsam ineinander", "planen ihre goldene Hochzeit",
    "lernen nach einem Verlust wieder zu lieben", "schreiben sich ein Jahr lang Briefe",
    "erneuern ihr Eheversprechen am Strand, an dem sie sich kennenlernten",
    "gönnen sich eine letzte Weltreise", "stehen einander durch eine lange Krankheit bei",
    "nehmen Tanzstunden, um die Familie zu überraschen",
]
ELTERN = [
    "f:eine alleinerziehende Mutter von drei Kindern", "m:ein geschiedener Vater",
    "f:eine verwitwete Krankenschwester", "m:ein Hausmann", "f:eine frisch getrennte Anwältin",
    "m:ein überarbeiteter Feuerwehrchef", "f:eine Zwillingsmutter", "m:ein pensionierter Seemann",
]
ELTERN_HANDLUNGEN = [
    "versucht, [seine|ihre] Kids pünktlich zur Schule zu bringen und nebenbei einen Foodtruck zu führen",
    "fährt mit [seinen|ihren] Kindern chaotisch quer durchs Land zur Großmutter",
    "jongliert zwei Jobs und drei Kinder in einer winzigen Wohnung",
    "wird von den eigenen Kindern zu einem Blind Date geschickt",
    "zieht mit den Kindern für einen Neuanfang auf eine abgelegene Insel",
    "verspricht den Kindern das perfekte Weihnachtsfest und macht alles falsch",
    "fängt noch einmal an zu studieren und lernt neben den Kindern",
]
JUGENDWORT_GRUPPEN = [
    "die Mädels aus der Buchhaltung", "vier pensionierte Feuerwehrmänner auf Jungstour",
    "die alten Jungs vom Kegelclub", "ein paar Großmütter, die sich die Mädels nennen,",
    "die Jungs von der Baustelle", "drei beste Freundinnen, die alle sechzig werden,",
    "die Jungs von der Polizeistation eines Küstenorts", "Mittvierzigerinnen auf Junggesellinnenabschied",
    "die Golden Girls einer Seniorenresidenz", "die bösen Buben eines Altenheims",
]
JUGENDWORT_HANDLUNGEN = [
    "fahren für eine Woche Sightseeing und schiefes Karaoke nach Lissabon",
    "treten beim großen Kneipenquiz an", "wollen das Freibad retten",
    "planen eine Überraschungsparty für den Chef", "fahren zum Angeln nach Norwegen und verirren sich",
    "klären einen Juwelendiebstahl in der eigenen Straße auf",
    "gründen vierzig Jahre zu spät eine Rockband", "übernehmen die Organisation des Dorffests",
]
TAENZER = [
    "f:eine pensionierte Buchhalterin", "m:ein verwitweter Landwirt", "f:eine Großmutter von sechs Enkeln",
    "m:ein kräftiger Hafenarbeiter", "f:eine Nachtschwester", "m:ein schüchterner IT-Berater",
    "f:eine ehemalige Olympia-Ruderin", "m:ein frisch pensionierter Busfahrer",
]
TAENZE = [
    "Salsa", "Standardtanz", "Tango", "Line Dance", "Flamenco", "Poledance als Wettkampfsport",
    "Aquafitness", "Swing", "Stepptanz",
]
TANZ_GRUENDE = [
    ", um nach einem Herzinfarkt wieder fit zu werden", " zu Ehren des verstorbenen Ehepartners",
    ", um im Ruhestand neue Freunde zu finden", " und landet bei der Deutschen Meisterschaft",
    ", um es der Familie zu beweisen", " und findet eine unerwartete zweite Karriere",
]
GESUNDHEIT_FORMATE = [
    "Eine offene Dokumentation über", "Eine Aufklärungsreihe über", "Ein Lehrfilm über",
    "Eine warmherzige, praktische Serie über", "Eine von Ärztinnen gestaltete Doku über",
    "Ein Wissensmagazin über",
]
GESUNDHEIT_THEMEN = [
    "die Wechseljahre", "Fruchtbarkeit und künstliche Befruchtung", "die Geschichte der Verhütung",
    "sexuelle Gesundheit im Alter", "Einvernehmen und Respekt in Beziehungen",
    "die Früherkennung von Prostatakrebs", "das Gespräch mit Kindern über die Pubertät",
    "HIV-Prävention", "Endometriose", "Schwangerschaft nach vierzig",
]
GESUNDHEIT_PRAESENTATION = [
    "moderiert von einer Hausärztin", "mit Ärztinnen, die Zuschauerfragen beantworten",
    "gedreht mit Gesundheitshelfern vor Ort", "präsentiert von einer Gynäkologin",
    "erzählt von Patientinnen und Patienten selbst", "mit Pflegekräften einer Beratungsstelle",
]
HEISSE_GERICHTE = [
    "Ein scharfer Sichuan-Feuertopf", "Dampfende Körbchen voller Teigtaschen", "Brutzelnde Fajitas",
    "Ein sündhaft gutes Schokoladenküchlein", "Verführerisch cremiges italienisches Eis",
    "Feuriges jamaikanisches Jerk Chicken", "Ein kochend heißes Texas-Chili",
    "Ein unwiderstehlicher Apfelstrudel", "Dampfende Schalen Pho", "Heiße Kartoffelpuffer mit Apfelmus",
]
GERICHT_ZUSAETZE = [
    "aus einer winzigen Küche in Chengdu", "und die Familie, die es seit sechzig Jahren kocht",
    "im Mittelpunkt eines Streetfood-Wettbewerbs", "auf einer kulinarischen Reise durch den Süden",
    "in einer Kochsendung für Anfänger", "von einer Köchin, die alles von ihrer Großmutter gelernt hat",
]
ANDERE_HEISSE = [
    "Eine drückende Hitzewelle liegt über der Stadt, während die Feuerwehr einen Waldbrand bekämpft.",
    "Die verführerischen Linien eines italienischen Sportwagens aus den Sechzigern, Schraube für Schraube restauriert.",
    "Eine schwüle Regenwaldexpedition auf der Suche nach einem verlorenen Tempel.",
    "Heißluftballons füllen den Himmel beim größten Festival der Welt.",
    "Ein schwüler Nachmittag in Savannah, ein verschwundenes Erbstück und eine sehr neugierige Nachbarin.",
    "Der angesagteste Termin der Stadt ist ein Kochkurs bei einem pensionierten Richter.",
    "Verlockende Plunderteilchen und ein Bäcker, der um drei Uhr morgens aufsteht.",
    "Ein frecher Welpe sorgt auf einer Hundeausstellung für Chaos.",
]
PERSONEN = [
    "f:eine Frau Anfang dreißig", "m:ein ehemaliger Fußballprofi", "f:eine pensionierte Lehrerin",
    "f:eine junge Mutter", "m:ein Mann Mitte fünfzig", "f:eine Fernsehmoderatorin",
]
NUECHTERNE_HANDLUNGEN = [
    "baut [sein|ihr] Leben neu auf, nachdem [er|sie] eine gewalttätige Beziehung verlassen hat",
    "bringt den Täter vor Gericht, nach einem wahren Fall",
    "outet sich nach Jahren des Schweigens vor der Familie",
    "beginnt nach zwanzig Ehejahren eine Paartherapie",
    "sucht in einer Datingshow noch einmal die Liebe",
    "macht Belästigung am Arbeitsplatz öffentlich",
]

GRAMMAR: dict[str, list[dict[str, Any]]] = {
    "framing": [
        {"templates": ["{S^} {P}.", "{S^} {P}. {X}", "{T^}: {S^} {P}.", "{T^}: {S^} {P}. {X}"],
         "slots": {"S": ERWACHSENE, "P": RAHMUNG, "T": ORTE, "X": ZUSAETZE}, "kind_slot": "P"},
        {"templates": ["{H}: {S^} {P}.", "{H}. {S^} {P}.", "{G}: {S^} {P}.", "{G} {T}: {S^} {P}."],
         "slots": {"S": ERWACHSENE, "P": RAHMUNG, "T": ORTE, "H": KOPFZEILEN, "G": GENRES},
         "kind_slot": "P"},
    ],
    "neutral": [
        {"templates": ["{S^} {P}.", "{S^} {P}. {X}", "{T^}: {S^} {P}.", "{T^}: {S^} {P}. {X}"],
         "slots": {"S": LEUTE, "P": HANDLUNGEN, "T": SCHAUPLAETZE, "X": SPANNUNG}, "kind_slot": "P", "weight": 6},
        {"templates": ["{D} {Q} {A}."], "kind": "documentary", "weight": 2,
         "slots": {"D": DOKU_ANFAENGE, "Q": DOKU_MENSCHEN, "A": DOKU_ZUSAETZE}},
        {"templates": ["{S^} {P}.", "Eine Kochsendung: {S^} {P}."], "kind": "cooking",
         "slots": {"S": KOECHE, "P": KOCH_HANDLUNGEN}},
    ],
    "child_benign": [
        {"templates": ["{S^} {P}.", "{S^} {P}. {X}", "{T^}: {S^} {P}.", "{T^}: {S^} {P}. {X}"],
         "slots": {"S": KINDER, "P": KINDER_HANDLUNGEN, "T": KINDER_ORTE, "X": KINDER_ZUSAETZE},
         "kind_slot": "P"},
    ],
    "hard_negative": [
        {"templates": ["{D} {I}, {A}."], "kind": "abuse_documentary",
         "slots": {"D": MISSBRAUCH_ANFAENGE, "I": ERMITTELNDE, "A": MISSBRAUCHSTHEMEN}},
        {"templates": ["{C^} {A}.", "Eine zarte Romanze: {C^} {A}."], "kind": "tender_romance",
         "slots": {"C": PAARE, "A": ZARTE_GESTEN}},
        {"templates": ["{P^} {A}.", "Eine warmherzige Komödie: {P^} {A}."], "kind": "kids_as_family",
         "slots": {"P": ELTERN, "A": ELTERN_HANDLUNGEN}},
        {"templates": ["{G^} {A}.", "Eine Komödie: {G^} {A}."], "kind": "youthful_words_adults",
         "slots": {"G": JUGENDWORT_GRUPPEN, "A": JUGENDWORT_HANDLUNGEN}},
        {"templates": ["{P^} lernt {D}{R}.", "Mit über sechzig lernt {P} {D}{R}."],
         "kind": "adult_dance_fitness", "slots": {"P": TAENZER, "D": TAENZE, "R": TANZ_GRUENDE}},
        {"templates": ["{F} {H}, {P}."], "kind": "sex_education",
         "slots": {"F": GESUNDHEIT_FORMATE, "H": GESUNDHEIT_THEMEN, "P": GESUNDHEIT_PRAESENTATION}},
        {"templates": ["{F} {T}.", "{O}"], "kind": "hot_words",
         "slots": {"F": HEISSE_GERICHTE, "T": GERICHT_ZUSAETZE, "O": ANDERE_HEISSE}},
        {"templates": ["{S^} {A}.", "Ein Drama: {S^} {A}."], "kind": "mature_plain",
         "slots": {"S": PERSONEN, "A": NUECHTERNE_HANDLUNGEN}},
    ],
}
