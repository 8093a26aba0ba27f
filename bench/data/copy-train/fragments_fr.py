# ruff: noqa: E501 - hand-written prose fragments, one list per slot, kept compact
"""Fragments français pour generate.py (écrits à la main ; notation : voir generate.py)."""

from __future__ import annotations

from typing import Any

# ------------------------------------------------------------------ framing (adultes)
ADULTES = [
    "f:une veuve d'une quarantaine d'années", "f:une avocate divorcée", "m:un chirurgien marié",
    "f:une ancienne cantatrice", "m:un sommelier charmeur", "f:Élena, traductrice de trente-huit ans,",
    "m:Marco, pêcheur quinquagénaire,", "f:une héritière désœuvrée", "m:un professeur déchu",
    "f:une architecte fraîchement divorcée", "m:un acteur vieillissant autrefois adulé", "f:une chanteuse de cabaret",
    "m:un représentant de commerce", "f:la femme de l'ambassadeur", "m:le nouveau professeur de tennis du club",
    "f:une concierge de palace", "f:une riche collectionneuse sexagénaire", "m:un viticulteur veuf",
    "f:une escroc au charme fou", "m:un vagabond d'une trentaine d'années", "f:la femme du gardien de phare",
    "m:un portraitiste célèbre", "f:une danseuse de revue", "m:un diplomate beau parleur",
    "f:Claire, directrice d'agence bancaire de quarante ans,", "m:Daniel, pilote de ligne marié,",
    "f:une ancienne mannequin de cinquante ans", "m:un vétérinaire de campagne très séduisant",
    "f:une mystérieuse nouvelle venue", "m:un romancier ténébreux", "f:une parfumeuse renommée",
    "m:un moniteur de ski d'une petite trentaine", "f:une commissaire au caractère trempé",
    "m:un pianiste de jazz", "f:une infirmière de nuit", "f:la patronne d'une pension de famille",
    "m:un général à la retraite", "f:une sculptrice trentenaire", "m:un trader de la City",
    "f:une cheffe étoilée", "m:un photographe de guerre en permission",
    "f:Nadia, pharmacienne de quarante-cinq ans,", "f:une femme au foyer qui s'ennuie",
    "m:un gigolo de la Côte d'Azur", "m:un notaire de province",
]
CADRAGE = [
    ("seduction", "séduit le jeune architecte qui vient d'emménager en face"),
    ("seduction", "entreprend de séduire un collègue marié"),
    ("seduction", "séduit un riche inconnu pour mettre la main sur la fortune familiale"),
    ("seduction", "mène un jeu de séduction dangereux avec deux frères"),
    ("seduction", "use de ses charmes pour soutirer des secrets à un ministre étranger"),
    ("seduction", "séduit le seul témoin qui pourrait l'envoyer en prison"),
    ("seduction", "jette son dévolu sur le jardinier, bien plus jeune"),
    ("seduction", "fait tourner la tête du fiancé de sa rivale"),
    ("adult_gaze", "devient l'objet de tous les regards avides de la ville"),
    ("adult_gaze", "est épié[|e] chaque nuit par le voisin d'en face"),
    ("adult_gaze", "devient l'obsession d'un photographe qui [le|la] filme de loin"),
    ("adult_gaze", "passe l'été à épier les invités de la villa d'en bas"),
    ("adult_gaze", "est filmé[|e] en gros plans langoureux dans la piscine de l'hôtel"),
    ("adult_gaze", "pose à demi dévêtu[|e] pour un peintre qui ne [le|la] quitte plus des yeux"),
    ("adult_gaze", "attire les regards de tous les hommes du bar et se laisse contempler"),
    ("performance", "danse chaque soir pour les hommes d'un bar enfumé du port"),
    ("performance", "devient la vedette d'une revue burlesque de minuit"),
    ("performance", "exécute une danse privée pour un client dangereux"),
    ("performance", "se déshabille dans un club pour messieurs afin d'éponger une dette"),
    ("performance", "fait tourner un cabaret où le public paie pour être émoustillé"),
    ("performance", "chante des numéros langoureux pour de riches protecteurs"),
    ("performance", "danse sur les tables devant des hommes d'affaires en délire"),
    ("effect_on_others", "fait perdre la tête à la moitié de la ville"),
    ("effect_on_others", "fait tourner les têtes partout où [il|elle] passe, et les couples vacillent"),
    ("effect_on_others", "met tout le village en émoi par sa présence sensuelle"),
    ("effect_on_others", "laisse derrière [lui|elle] des admirateurs troublés et des mariages brisés"),
    ("effect_on_others", "éveille chez les clients de l'hôtel des désirs qu'aucun n'ose avouer"),
    ("relationship", "entame une liaison torride avec un collègue marié"),
    ("relationship", "vit une passion fulgurante avec un inconnu rencontré dans un train de nuit"),
    ("relationship", "entame une liaison secrète avec son garde du corps"),
    ("relationship", "ravive une liaison brûlante avec un ancien amant"),
    ("relationship", "cède à une passion interdite pour le meilleur ami de son défunt conjoint"),
    ("relationship", "se lance dans une liaison sulfureuse avec l'enquêteur chargé de l'affaire"),
    ("allure", "se sert de son corps comme d'une arme pour obtenir ce qu'[il|elle] veut"),
    ("allure", "devient [l'homme le plus désiré|la femme la plus désirée] de l'île"),
    ("allure", "pousse un voisin marié et fidèle à la trahison"),
    ("allure", "envoûte de riches admirateurs d'un regard et d'un sourire"),
    ("allure", "mise sur son sex-appeal pour gravir l'échelle sociale"),
    ("awakening", "découvre le désir pour la première fois après des décennies de mariage"),
    ("awakening", "s'éveille à une sensualité longtemps refoulée"),
    ("awakening", "explore ses fantasmes le temps d'un été en solitaire"),
    ("awakening", "redécouvre la passion dans les bras d'un inconnu"),
    ("erotic_thriller", "se retrouve pris[|e] dans un jeu mortel de désir et de trahison"),
    ("erotic_thriller", "s'engage dans un jeu du chat et de la souris érotique avec un tueur"),
    ("erotic_thriller", "tombe sous le charme d'un suspect envoûtant qui pourrait être un meurtrier"),
    ("milieu", "travaille comme escort de luxe pour les hommes les plus puissants de la ville"),
    ("milieu", "dirige un club privé où le désir est la seule monnaie"),
]
LIEUX = [
    "pendant un été étouffant à Marseille", "dans La Havane des années 1950",
    "dans un hôtel au bord d'un lac alpin", "lors d'une croisière sur le Nil",
    "dans un port de pêche breton", "le temps d'un long week-end à Lisbonne",
    "dans les casinos de Monte-Carlo", "dans le Berlin des années folles",
    "dans une petite ville sicilienne assoupie", "sur une île grecque isolée",
    "dans la moiteur d'un mois d'août à La Nouvelle-Orléans", "dans la Vienne d'après-guerre",
    "sur la Riviera en 1962", "dans le Mexico d'aujourd'hui", "dans une station de ski de Megève",
    "dans un hôtel d'affaires de Tokyo", "dans les vignes de Bourgogne",
    "dans un manoir écossais délabré", "dans une plantation cubaine des années 1920",
    "pendant une canicule à Madrid", "dans les ruelles d'Istanbul", "à la Mostra de Venise",
    "sur un yacht au large de Capri", "dans les bars à tango de Buenos Aires",
    "dans une station balnéaire de Normandie", "dans un hôtel particulier parisien",
    "dans un ranch du Montana", "au Caire pendant la guerre", "dans les rues de Hong Kong",
    "dans le quartier du port de Hambourg", "dans une ville d'eaux de Bohême",
    "lors d'un mariage sur la côte amalfitaine", "dans le Manhattan des années 1970",
]
EN_TETE = [
    "Marseille, 1962", "Un été sur la côte amalfitaine", "La Havane, à la veille de la révolution",
    "Un village de Provence, en août", "Berlin, 1929", "Une semaine de canicule à Séville",
    "Un yacht, une tempête, trois invités", "Vienne, après la guerre", "Monte-Carlo, en pleine saison",
    "Une petite ville de Louisiane", "Lisbonne, un long week-end", "New York, 1974",
]
ACCROCHES = [
    "Plus rien ne sera jamais comme avant.", "Le désir a un prix.",
    "Certaines tentations valent tout.", "Personne n'en sortira indemne.",
    "L'été sera brûlant.", "Quelqu'un va en souffrir.", "Chaque regard est une promesse.",
    "La passion ne joue jamais franc-jeu.", "À l'automne, un mariage est en ruine.",
    "La ville ne lui pardonnera jamais.",
]
GENRES = [
    "ce drame sensuel", "cette série torride", "ce thriller érotique", "ce film en costumes sensuel",
    "cette romance provocante", "ce récit de désir à combustion lente", "ce feuilleton glamour",
]

# ------------------------------------------------------------------ neutre
GENS = [
    "f:une commissaire à la retraite", "f:Ana, agente d'entretien à l'hôpital,",
    "m:un éleveur laitier en difficulté", "f:une astronaute en dernière mission",
    "m:un conservateur de musée", "m:un chauffeur de taxi de Dakar", "f:une jeune interne",
    "m:un journaliste discrédité", "f:une capitaine de ferry", "m:Tomasz, électricien polonais à Dublin,",
    "f:une maire tout juste élue", "m:un ancien boxeur", "f:une experte-comptable",
    "m:un instituteur veuf", "f:une guide de haute montagne", "m:un petit escroc",
    "f:une biologiste marine", "m:un gardien de phare solitaire", "f:une avocate commise d'office",
    "m:un grand maître des échecs", "f:une contrôleuse aérienne", "m:un employé d'assurance timide",
    "f:une vétérinaire de la faune sauvage", "m:un humoriste", "f:une conductrice de train",
    "m:un ancien footballeur", "f:une archéologue", "m:un apiculteur", "f:une juge proche de la retraite",
    "m:un veilleur de nuit d'hôtel", "f:une ingénieure informaticienne", "m:un chauffeur de bus lillois",
    "f:une correspondante de guerre", "m:un pâtissier", "f:une sage-femme du Kenya rural",
    "m:un commandant de sous-marin", "f:une bibliothécaire", "m:un vieil horloger",
    "f:une douanière", "m:un routier", "f:Grace, veuve de soixante ans,", "m:un jeune pompier",
    "f:une climatologue",
]
INTRIGUES = [
    ("thriller", "découvre un complot qui remonte jusqu'au sommet de l'État"),
    ("thriller", "doit prouver son innocence après avoir été accusé[|e] d'un meurtre"),
    ("thriller", "trouve le journal d'un inconnu qui prédit les nouvelles du lendemain"),
    ("thriller", "a une nuit pour désamorcer une bombe cachée quelque part en ville"),
    ("thriller", "assiste à un enlèvement et devient la prochaine cible"),
    ("crime", "traque un gang de voleurs d'art à travers trois pays"),
    ("crime", "est entraîné[|e] malgré [lui|elle] dans la contrebande familiale"),
    ("crime", "rouvre une affaire classée que toute la ville voudrait oublier"),
    ("crime", "prépare un dernier casse avant la retraite"),
    ("comedy", "devient maire par erreur d'un village où [il|elle] n'a jamais mis les pieds"),
    ("comedy", "ouvre un restaurant sans savoir cuire un œuf"),
    ("comedy", "simule une jambe cassée pour échapper aux vacances en famille"),
    ("comedy", "hérite d'un cirque en faillite et d'un éléphant très têtu"),
    ("comedy", "s'inscrit à un concours de pâtisserie pour se réconcilier avec sa sœur"),
    ("drama", "se bat pour garder la ferme familiale après une récolte désastreuse"),
    ("drama", "rentre au pays après vingt ans pour s'occuper de son père malade"),
    ("drama", "reconstruit sa vie après avoir tout perdu dans une inondation"),
    ("drama", "doit décider de témoigner ou non contre un vieil ami"),
    ("drama", "se bat pour maintenir ouvert un petit hôpital de campagne"),
    ("sport", "s'entraîne pour un dernier marathon après une opération du genou"),
    ("sport", "mène une équipe de foot amateur sans espoir jusqu'en finale de coupe"),
    ("sport", "tente de traverser l'Atlantique à la rame en solitaire"),
    ("sport", "a une dernière chance de décrocher le titre mondial"),
    ("family", "renoue avec un frère perdu de vue lors d'un road trip vers la côte"),
    ("family", "tente de garder la famille unie après une faillite soudaine"),
    ("history", "fait passer des réfugiés à travers les Pyrénées en 1941"),
    ("history", "tient le journal d'un siège qui survivra à la guerre"),
    ("history", "participe à la construction du premier chemin de fer de montagne"),
    ("scifi", "capte un signal radio venu d'une étoile morte il y a mille ans"),
    ("scifi", "se réveille dans une station spatiale dont l'équipage a disparu"),
    ("scifi", "découvre que sa ville revit le même mardi encore et encore"),
    ("horror", "entend des pas dans le grenier de la maison qu'[il|elle] vient d'acheter"),
    ("horror", "comprend que personne n'a quitté le village depuis cinquante ans"),
    ("fantasy", "trouve la carte d'un royaume qui n'existe que les jours de pluie"),
    ("legal", "s'attaque à une multinationale dans un procès que personne ne croit gagnable"),
    ("medical", "doit réaliser une opération impossible pendant une panne de courant"),
    ("western", "arrive dans une ville dont le shérif a disparu depuis une semaine"),
    ("war", "conduit un convoi de médicaments à travers les lignes ennemies"),
    ("mystery", "enquête sur la disparition d'un violon célèbre"),
    ("mystery", "est le seul invité à remarquer que le majordome a un jumeau"),
]
DECORS = [
    "dans un coin reculé des Highlands", "dans le Belfast des années 1970",
    "sur une île battue par les tempêtes", "dans le Dakar d'aujourd'hui",
    "dans une petite ville des Flandres", "pendant l'hiver le plus long de mémoire d'homme",
    "dans la banlieue de Montréal", "dans le Chicago des années 1920", "à bord du Transsibérien",
    "dans une ville minière du nord du Chili", "dans les fjords norvégiens",
    "dans le Berlin de la guerre froide", "dans un village alsacien", "dans le Séoul d'aujourd'hui",
    "dans les vallées des Cévennes", "dans la Naples d'après-guerre", "dans un camp de bûcherons québécois",
    "sur un navire de recherche en Antarctique", "dans une banlieue tranquille de Kyoto",
    "dans le Londres victorien", "dans le désert mexicain", "dans un hôtel délabré de La Havane",
    "dans l'outback australien", "aux îles Féroé", "dans une cité de la banlieue lyonnaise",
    "pendant une grève générale", "à la veille d'une élection", "dans une vallée des Alpes",
]
ENJEUX = [
    "Mais le temps presse.", "Rien ne se passe comme prévu.", "Toute la ville regarde.",
    "D'après une histoire vraie.", "Ne faites confiance à personne.",
    "C'est plus difficile qu'il n'y paraît.", "Et le compte à rebours a commencé.",
    "Puis le téléphone sonne.", "Personne ne [le|la] croit.",
    "L'aide vient d'où on ne l'attendait pas.", "La vérité dépasse ce que tous imaginaient.",
]
DOC_OUVERTURES = [
    "Ce documentaire suit", "Une série documentaire sur", "Un portrait intime de",
    "Un film sur", "Cette série accompagne", "Une année avec",
]
DOC_SUJETS = [
    "les derniers capitaines de bac des Hébrides", "les infirmières d'un service d'urgences d'Athènes",
    "les apiculteurs des Carpates", "une famille de souffleurs de verre à Venise",
    "les pompiers volontaires d'une caserne rurale", "les compagnons qui restaurent une cathédrale",
    "une équipe de météorologues en Antarctique", "les arbitres de Ligue 1",
    "une ligue de catch féminin en Bolivie", "les facteurs d'orgues de Saxe",
    "les derniers mineurs de charbon de Pologne", "une équipe de gardes forestiers kényans",
    "les éboueurs de New York", "une famille syrienne qui tient une boulangerie en Suède",
    "les astronomes du désert d'Atacama", "les mushers de l'Alaska",
]
DOC_ACTIONS = [
    "alors qu'ils se préparent à la saison la plus dure de leur vie",
    "au fil d'une année de changements et d'incertitudes", "le temps d'un été agité",
    "tandis que leur mode de vie disparaît", "alors qu'une nouvelle technologie menace leur métier",
    "du premier entraînement à la finale", "à travers images d'archives et témoignages",
]
CUISINIERS = [
    "f:une grand-mère sicilienne", "m:un chef étoilé", "m:un vendeur de rue à Hanoï",
    "f:une boulangère de l'Irlande rurale", "m:un maître du barbecue texan",
    "f:une historienne de la gastronomie", "m:un maître ramen d'Osaka", "f:une jeune pâtissière",
    "m:un pêcheur devenu cuisinier",
]
CUISINE_ACTIONS = [
    "partage les recettes que sa famille cuisine depuis un siècle",
    "sillonne la côte à la recherche de plats oubliés", "donne des cours à des débutants angoissés",
    "concourt pour une place dans le restaurant le plus célèbre du pays",
    "prépare un festin pour tout un village", "sauve un restaurant en faillite en trente jours",
]

# ------------------------------------------------------------------ enfants (bénin)
ENFANTS = [
    "m:Sam, dix ans,", "f:Lily, 9 ans,", "f:une élève de CM2 timide", "f:une fillette de onze ans",
    "m:un garçon de huit ans", "m:Noah, qui vient d'avoir douze ans,", "f:une écolière de CM1",
    "m:un élève de CE2", "f:une petite fille", "m:un petit garçon", "f:Aïcha, douze ans,",
    "m:Léo, 10 ans,", "f:une fillette de neuf ans qui ne jure que par le foot", "m:un élève de sixième",
    "f:Mia, sept ans,", "m:un gamin de onze ans de Roubaix", "f:une enfant de dix ans pleine d'imagination",
    "m:le petit dernier d'une fratrie de cinq garçons", "f:une écolière", "m:Kofi, 11 ans,",
    "f:une fillette de huit ans", "m:un garçon de bientôt onze ans", "f:une collégienne de sixième",
    "m:Jamie, un asthmatique de douze ans,", "f:Rosa, 10 ans,", "m:un enfant de sept ans",
    "f:une écolière de Lille", "m:un écolier fou de trains", "f:Hana, 12 ans,",
    "m:un garçon discret de dix ans", "f:une élève de CE2", "m:Tarik, 9 ans,",
]
ENFANT_INTRIGUES = [
    ("adventure", "part à la recherche de son chat disparu"),
    ("adventure", "découvre un tunnel secret sous la cour de récréation"),
    ("adventure", "suit une carte au trésor trouvée dans un livre de la bibliothèque"),
    ("adventure", "aide un chiot perdu à retrouver sa maison"),
    ("adventure", "construit un radeau pour explorer l'île au milieu du lac"),
    ("school", "présente un volcan fait maison au concours de sciences de la région"),
    ("school", "lance un journal d'école dont tout le monde parle"),
    ("school", "est bien décidé[|e] à gagner la dictée de la classe"),
    ("school", "organise une pétition pour sauver la bibliothèque de l'école"),
    ("school", "décroche le premier rôle du spectacle de fin d'année"),
    ("friendship", "se lie d'amitié avec le vieux voisin solitaire"),
    ("friendship", "se fait un ami inattendu le jour de la rentrée dans sa nouvelle école"),
    ("friendship", "tente d'empêcher son meilleur ami de déménager"),
    ("family", "aide sa grand-mère à tenir la boulangerie familiale"),
    ("family", "prépare une fête d'anniversaire surprise pour sa maman"),
    ("family", "s'habitue à l'arrivée d'une petite sœur"),
    ("family", "passe l'été chez ses grands-parents à la ferme"),
    ("illness", "lance une émission de radio à l'hôpital pendant sa convalescence"),
    ("illness", "apprend à vivre avec le diabète et continue de jouer dans l'équipe de l'école"),
    ("sport", "s'entraîne pour sa première compétition de natation"),
    ("sport", "rejoint l'équipe de foot du village et marque dès son premier match"),
    ("sport", "participe à une course de caisses à savon avec un bolide fait de récup"),
    ("sport", "apprend à monter à cheval au poney-club"),
    ("dance", "répète une danse folklorique pour la kermesse de l'école"),
    ("dance", "s'inscrit au cours de danse classique et s'avère [l'élève le plus maladroit|l'élève la plus maladroite]"),
    ("dance", "participe à un concours de breakdance à la maison de quartier"),
    ("pageant", "se déguise en pirate pour le carnaval du village"),
    ("first_crush", "n'ose pas dire à un camarade de classe qu'[il|elle] l'aime bien"),
    ("first_crush", "glisse un petit mot timide à un camarade dans un livre de la bibliothèque"),
    ("puberty", "s'inquiète de grandir et en parle avec un parent patient"),
    ("talent", "apprend le violon auprès d'un musicien à la retraite"),
    ("talent", "décroche une place dans une chorale nationale d'enfants"),
    ("talent", "construit un robot qui aide son grand-père à la maison"),
    ("grief", "plante un arbre en souvenir d'un grand-parent adoré"),
    ("animals", "élève un agneau orphelin à la ferme familiale"),
    ("animals", "sauve un hérisson et le soigne jusqu'à sa guérison"),
]
ENFANT_DECORS = [
    "dans un petit village du Morvan", "pendant les grandes vacances", "dans une ferme normande",
    "dans un quartier animé de Bombay", "dans un camping au bord de la mer", "le jour de la rentrée",
    "dans une ville de montagne bloquée par la neige", "pendant les vacances de la Toussaint",
    "dans le Dublin des années 1980", "dans un internat des Alpes", "dans une cité de Marseille",
    "sur une péniche à Amsterdam", "dans un port de pêche du Maine", "en colonie de vacances",
    "dans un village aux portes du Sahara", "pendant les vacances de Noël",
]
ENFANT_ACCROCHES = [
    "Un film familial plein de tendresse.", "Une aventure pour toute la famille.",
    "Drôle, chaleureux et plein de cœur.", "Un joli récit sur le fait de grandir.",
    "L'amitié peut déplacer des montagnes.", "D'après le livre pour enfants bien-aimé.",
    "Pour tous les âges.", "Rien n'est impossible avec un peu de courage.",
]

# ------------------------------------------------------------------ pièges (hard negatives)
ENQUETEURS = [
    "les enquêteurs", "une équipe d'assistantes sociales", "les procureurs",
    "une association de protection de l'enfance", "deux journalistes d'investigation",
    "une juge des enfants", "une unité de police internationale", "les avocats",
    "une lanceuse d'alerte et un reporter", "une petite équipe de la brigade des mineurs",
]
SUJETS_ABUS = [
    "qui ont démantelé un réseau de traite exploitant des enfants",
    "qui ont révélé des décennies d'abus dans un internat",
    "qui arrachent des enfants au travail forcé dans les briqueteries",
    "qui ont aidé des victimes d'abus à porter plainte",
    "qui ont fait tomber un réseau d'exploitation d'enfants en ligne",
    "qui se sont battus pour protéger des fillettes du mariage forcé",
    "qui ont mis au jour les abus d'un médecin sur de jeunes sportives",
    "qui ont retrouvé des bébés arrachés à leurs mères lors d'un scandale d'adoption",
    "qui ont brisé le silence sur les abus au sein d'une maîtrise",
    "qui ont fait juger un gang de trafiquants",
]
OUVERTURES_ABUS = [
    "Ce documentaire suit", "Un drame sobre sur", "Une série documentaire sur",
    "D'après les archives judiciaires, un film sur", "Une série d'investigation sur",
    "Un drame retenu, fondé sur des faits, sur", "L'histoire vraie d'une enquête menée par",
]
COUPLES = [
    "une boulangère veuve et un facteur retraité", "deux pensionnaires d'une maison de retraite au bord de la mer",
    "deux époux mariés depuis cinquante ans", "deux voisins septuagénaires et solitaires",
    "une bibliothécaire timide et un menuisier plein de douceur", "deux veufs rencontrés au club de jardinage",
    "deux vieux époux que la maladie sépare", "deux correspondants qui se rencontrent enfin après quarante ans",
    "un soldat et l'infirmière qui l'a soigné", "une fleuriste et un chauffeur de bus",
]
GESTES_TENDRES = [
    "tombent doucement amoureux", "préparent leurs noces d'or",
    "réapprennent à aimer après un deuil", "s'écrivent des lettres pendant un an",
    "renouvellent leurs vœux sur la plage de leur rencontre", "s'offrent un dernier tour du monde",
    "veillent l'un sur l'autre pendant une longue maladie",
    "prennent des cours de danse de salon pour surprendre leur famille",
]
PARENTS = [
    "f:une mère célibataire de trois enfants", "m:un père divorcé", "f:une infirmière veuve",
    "m:un père au foyer", "f:une avocate tout juste séparée", "m:un chef des pompiers débordé",
    "f:une maman de jumeaux", "m:un marin à la retraite",
]
ACTIONS_PARENTS = [
    "tente d'emmener ses gosses à l'école à l'heure tout en tenant un food-truck",
    "embarque ses enfants dans un road trip chaotique pour aller voir leur grand-mère",
    "jongle entre deux boulots et trois enfants dans un minuscule appartement",
    "se fait arranger un rendez-vous galant par ses propres enfants",
    "part s'installer avec ses enfants sur une île isolée pour tout recommencer",
    "promet à ses enfants un Noël parfait et rate tout",
    "reprend ses études et révise à côté de ses enfants",
]
GROUPES_JEUNES = [
    "les filles de la compta", "quatre pompiers retraités en week-end entre garçons",
    "les vieux garçons du club de pétanque", "une bande de grands-mères qui se surnomment les filles",
    "les gars du chantier", "trois copines qui fêtent toutes leurs soixante ans",
    "les petits gars de la gendarmerie d'un village côtier",
    "des quadragénaires en enterrement de vie de jeune fille",
    "les drôles de dames d'une résidence seniors", "les mauvais garçons d'une maison de retraite",
]
ACTIONS_GROUPES = [
    "partent une semaine à Lisbonne entre visites et karaoké raté",
    "s'inscrivent à un grand quiz national", "tentent de sauver la piscine municipale",
    "préparent une fête surprise pour leur patron", "partent pêcher en Norvège et se perdent",
    "élucident un vol de bijoux dans leur propre rue",
    "montent un groupe de rock avec quarante ans de retard", "prennent en main la fête du village",
]
DANSEURS = [
    "f:une comptable à la retraite", "m:un agriculteur veuf", "f:une grand-mère de six petits-enfants",
    "m:un docker bourru", "f:une infirmière de nuit", "m:un informaticien timide",
    "f:une ancienne championne d'aviron", "m:un chauffeur de bus fraîchement retraité",
]
DANSES = [
    "la salsa", "la danse de salon", "le tango", "la country", "le flamenco",
    "le pole sport en compétition", "l'aquagym", "le swing", "les claquettes",
]
RAISONS_DANSE = [
    "pour se remettre en forme après une alerte cardiaque", "pour honorer la mémoire de son conjoint",
    "pour se faire des amis après la retraite", "et se retrouve en compétition nationale",
    "pour prouver quelque chose à sa famille", "et s'y découvre une seconde carrière",
]
FORMATS_SANTE = [
    "Un documentaire sans tabou sur", "Une série de santé publique sur", "Un film éducatif sur",
    "Une série chaleureuse et pratique sur", "Un documentaire mené par des médecins sur",
    "Un magazine sur",
]
SUJETS_SANTE = [
    "la ménopause", "la fertilité et la PMA", "l'histoire de la contraception",
    "la santé sexuelle après soixante ans", "le consentement et le respect dans le couple",
    "le dépistage du cancer de la prostate", "la façon de parler de la puberté à ses enfants",
    "la prévention du VIH", "l'endométriose", "la grossesse après quarante ans",
]
PRESENTATEURS_SANTE = [
    "présenté par une médecin généraliste", "où des médecins répondent aux questions des téléspectateurs",
    "tourné avec des agents de santé communautaires", "animé par une gynécologue",
    "raconté par les patients eux-mêmes", "avec les infirmières d'un centre de dépistage",
]
PLATS_CHAUDS = [
    "Une fondue chinoise du Sichuan brûlante et épicée", "Des paniers de raviolis fumants",
    "Des fajitas grésillantes", "Un fondant au chocolat terriblement gourmand",
    "Une glace italienne onctueuse et irrésistible", "Un poulet jerk jamaïcain incendiaire",
    "Un chili texan bouillant", "Une tarte Tatin irrésistible", "Des bols de pho fumants",
    "Des crêpes brûlantes au beurre salé",
]
SUITES_PLATS = [
    "dans une minuscule cuisine de Chengdu", "et la famille qui les cuisine depuis soixante ans",
    "au cœur d'un concours de cuisine de rue", "lors d'une virée gourmande dans le Sud-Ouest",
    "dans une émission de cuisine pour débutants", "par une cheffe qui tient tout de sa grand-mère",
]
AUTRES_CHAUDS = [
    "Une canicule écrasante s'abat sur la ville tandis que les pompiers luttent contre un feu de colline.",
    "Les lignes séduisantes d'une voiture de sport italienne des années 1960, restaurée pièce par pièce.",
    "Une expédition moite dans la forêt tropicale à la recherche d'un temple perdu.",
    "Des montgolfières envahissent le ciel lors du plus grand festival du monde.",
    "Un après-midi torride à Savannah, un bijou de famille disparu et une voisine très curieuse.",
    "L'atelier le plus couru de la ville est un cours de cuisine tenu par un juge à la retraite.",
    "Des viennoiseries tentantes et un boulanger qui se lève à trois heures du matin.",
    "Un chiot coquin sème la pagaille dans une exposition canine.",
]
PERSONNES = [
    "f:une femme d'une trentaine d'années", "m:un ancien footballeur", "f:une enseignante à la retraite",
    "f:une jeune mère", "m:un homme d'une cinquantaine d'années", "f:une présentatrice télé",
]
ACTES_SOBRES = [
    "reconstruit sa vie après avoir quitté un conjoint violent",
    "traîne son agresseur devant la justice, d'après des faits réels",
    "fait son coming out auprès de sa famille après des années de silence",
    "entame une thérapie de couple après vingt ans de mariage",
    "cherche à nouveau l'amour dans une émission de rencontres",
    "dénonce le harcèlement subi au travail",
]

GRAMMAR: dict[str, list[dict[str, Any]]] = {
    "framing": [
        {"templates": ["{S^} {P} {T}.", "{T^}, {S} {P}.", "{S^} {P}. {X}", "{S^} {P} {T}. {X}"],
         "slots": {"S": ADULTES, "P": CADRAGE, "T": LIEUX, "X": ACCROCHES}, "kind_slot": "P"},
        {"templates": ["{H} : {S} {P}.", "{H}. {S^} {P}.", "Dans {G}, {S} {P} {T}."],
         "slots": {"S": ADULTES, "P": CADRAGE, "T": LIEUX, "H": EN_TETE, "G": GENRES},
         "kind_slot": "P"},
    ],
    "neutral": [
        {"templates": ["{S^} {P} {T}.", "{T^}, {S} {P}.", "{S^} {P}. {X}", "{S^} {P} {T}. {X}"],
         "slots": {"S": GENS, "P": INTRIGUES, "T": DECORS, "X": ENJEUX}, "kind_slot": "P", "weight": 6},
        {"templates": ["{D} {Q} {A}."], "kind": "documentary", "weight": 2,
         "slots": {"D": DOC_OUVERTURES, "Q": DOC_SUJETS, "A": DOC_ACTIONS}},
        {"templates": ["{S^} {P}.", "Dans cette émission culinaire, {S} {P}."], "kind": "cooking",
         "slots": {"S": CUISINIERS, "P": CUISINE_ACTIONS}},
    ],
    "child_benign": [
        {"templates": ["{S^} {P} {T}.", "{T^}, {S} {P}.", "{S^} {P}. {X}", "{S^} {P} {T}. {X}"],
         "slots": {"S": ENFANTS, "P": ENFANT_INTRIGUES, "T": ENFANT_DECORS, "X": ENFANT_ACCROCHES},
         "kind_slot": "P"},
    ],
    "hard_negative": [
        {"templates": ["{D} {I} {A}.", "{D} {I} {A}, {T}."], "kind": "abuse_documentary",
         "slots": {"D": OUVERTURES_ABUS, "I": ENQUETEURS, "A": SUJETS_ABUS, "T": DECORS}},
        {"templates": ["{C^} {A}.", "Une romance tendre : {C} {A}."], "kind": "tender_romance",
         "slots": {"C": COUPLES, "A": GESTES_TENDRES}},
        {"templates": ["{P^} {A}.", "Une comédie tendre où {P} {A}."], "kind": "kids_as_family",
         "slots": {"P": PARENTS, "A": ACTIONS_PARENTS}},
        {"templates": ["{G^} {A}.", "Une comédie où {G} {A}."], "kind": "youthful_words_adults",
         "slots": {"G": GROUPES_JEUNES, "A": ACTIONS_GROUPES}},
        {"templates": ["{P^} se lance dans {D} {R}.", "À soixante ans, {P} se lance dans {D} {R}."],
         "kind": "adult_dance_fitness", "slots": {"P": DANSEURS, "D": DANSES, "R": RAISONS_DANSE}},
        {"templates": ["{F} {H}, {P}."], "kind": "sex_education",
         "slots": {"F": FORMATS_SANTE, "H": SUJETS_SANTE, "P": PRESENTATEURS_SANTE}},
        {"templates": ["{F} {T}.", "{O}"], "kind": "hot_words",
         "slots": {"F": PLATS_CHAUDS, "T": SUITES_PLATS, "O": AUTRES_CHAUDS}},
        {"templates": ["{S^} {A}.", "Un drame dans lequel {S} {A}."], "kind": "mature_plain",
         "slots": {"S": PERSONNES, "A": ACTES_SOBRES}},
    ],
}
