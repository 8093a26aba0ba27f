# ruff: noqa: E501 - hand-written prose fragments, one list per slot, kept compact
"""Fragmentos en español para generate.py (escritos a mano; notación: ver generate.py)."""

from __future__ import annotations

from typing import Any

# ------------------------------------------------------------------ framing (adultos)
ADULTOS = [
    "f:una viuda de cuarenta y tantos", "f:una abogada divorciada", "m:un cirujano casado",
    "f:una antigua cantante de ópera", "m:un sumiller encantador", "f:Elena, traductora de treinta y ocho años,",
    "m:Marco, un pescador cincuentón,", "f:una heredera aburrida", "m:un catedrático caído en desgracia",
    "f:una arquitecta recién divorciada", "m:un galán de cine venido a menos", "f:una cantante de club nocturno",
    "m:un viajante de comercio", "f:la mujer del embajador", "m:el nuevo profesor de tenis del club",
    "f:una conserje de hotel de lujo", "f:una rica coleccionista sexagenaria", "m:un bodeguero viudo",
    "f:una estafadora glamurosa", "m:un vagabundo treintañero", "f:la mujer del farero",
    "m:un retratista famoso", "f:una bailarina de revista", "m:un diplomático con mucha labia",
    "f:Clara, directora de sucursal bancaria de cuarenta años,", "m:Daniel, piloto comercial casado,",
    "f:una exmodelo de cincuenta años", "m:un veterinario rural muy atractivo",
    "f:una forastera misteriosa", "m:un novelista atormentado", "f:una perfumista célebre",
    "m:un monitor de esquí de casi treinta años", "f:una inspectora de armas tomar",
    "m:un pianista de jazz", "f:una enfermera del turno de noche", "f:la dueña de una pensión junto al mar",
    "m:un general retirado", "f:una escultora treintañera", "m:un broker de la bolsa",
    "f:una chef con estrella", "m:un fotógrafo de guerra de permiso",
    "f:Nadia, farmacéutica de cuarenta y cinco años,", "f:un ama de casa aburrida",
    "m:un gigoló de la Costa del Sol", "m:un notario de provincias",
]
ENCUADRE = [
    ("seduction", "seduce al joven arquitecto que acaba de mudarse enfrente"),
    ("seduction", "se propone seducir a un compañero de trabajo casado"),
    ("seduction", "seduce a un rico desconocido para hacerse con la fortuna familiar"),
    ("seduction", "juega a un peligroso juego de seducción con dos hermanos"),
    ("seduction", "usa sus encantos para sonsacar secretos a un ministro extranjero"),
    ("seduction", "seduce al único testigo que podría mandar[lo|la] a la cárcel"),
    ("seduction", "pone los ojos en el jardinero, mucho más joven"),
    ("seduction", "le hace perder la cabeza al prometido de su rival"),
    ("adult_gaze", "se convierte en el blanco de todas las miradas ávidas del pueblo"),
    ("adult_gaze", "es espiad[o|a] cada noche por el vecino de enfrente"),
    ("adult_gaze", "se convierte en la obsesión de un fotógrafo que [lo|la] filma de lejos"),
    ("adult_gaze", "pasa el verano espiando a los invitados de la villa de abajo"),
    ("adult_gaze", "es filmad[o|a] en primeros planos lánguidos en la piscina del hotel"),
    ("adult_gaze", "posa medio desnud[o|a] para un pintor que no le quita ojo"),
    ("adult_gaze", "atrae las miradas de todos los hombres del bar y se deja mirar"),
    ("performance", "baila cada noche para los hombres de un bar lleno de humo del puerto"),
    ("performance", "se convierte en la estrella de una revista burlesque de medianoche"),
    ("performance", "hace un baile privado para un cliente peligroso"),
    ("performance", "se desnuda en un club de caballeros para saldar una deuda"),
    ("performance", "regenta un cabaret donde el público paga por ser provocado"),
    ("performance", "canta números sugerentes para ricos protectores"),
    ("performance", "baila sobre las mesas ante hombres de negocios enardecidos"),
    ("effect_on_others", "trae de cabeza a medio pueblo"),
    ("effect_on_others", "hace girar cabezas allá donde va, y los matrimonios se tambalean"),
    ("effect_on_others", "revoluciona a todo el pueblo con su presencia sensual"),
    ("effect_on_others", "deja a su paso admiradores turbados y matrimonios rotos"),
    ("effect_on_others", "despierta en los huéspedes del hotel deseos que nadie se atreve a confesar"),
    ("relationship", "inicia un tórrido romance con un compañero casado"),
    ("relationship", "vive una pasión arrolladora con un desconocido al que conoce en un tren nocturno"),
    ("relationship", "empieza una aventura secreta con su guardaespaldas"),
    ("relationship", "reaviva un romance ardiente con un antiguo amante"),
    ("relationship", "cede a una pasión prohibida por el mejor amigo de su difunto cónyuge"),
    ("relationship", "se lanza a un romance escandaloso con el investigador del caso"),
    ("allure", "usa su cuerpo como un arma para conseguir lo que quiere"),
    ("allure", "se convierte en [el hombre|la mujer] más desead[o|a] de la isla"),
    ("allure", "empuja a un vecino casado y fiel a la traición"),
    ("allure", "hechiza a ricos admiradores con una mirada y una sonrisa"),
    ("allure", "explota su sex appeal para escalar en la alta sociedad"),
    ("awakening", "descubre el deseo por primera vez tras décadas de matrimonio"),
    ("awakening", "despierta a una sensualidad reprimida durante años"),
    ("awakening", "explora sus fantasías durante un verano a solas"),
    ("awakening", "redescubre la pasión en brazos de un desconocido"),
    ("erotic_thriller", "queda atrapad[o|a] en un juego mortal de lujuria y traición"),
    ("erotic_thriller", "se enreda en un juego erótico del gato y el ratón con un asesino"),
    ("erotic_thriller", "cae rendid[o|a] ante un sospechoso seductor que podría ser un asesino"),
    ("milieu", "trabaja como acompañante de lujo para los hombres más poderosos de la ciudad"),
    ("milieu", "dirige un club privado donde el deseo es la única moneda"),
]
LUGARES = [
    "durante un verano sofocante en Marsella", "en La Habana de los años cincuenta",
    "en un hotel junto a un lago alpino", "en un crucero por el Nilo", "en un pueblo pesquero gallego",
    "durante un largo fin de semana en Lisboa", "en los casinos de Montecarlo",
    "en el Berlín de entreguerras", "en un pueblo siciliano adormecido", "en una isla griega remota",
    "en el calor de un agosto en Nueva Orleans", "en la Viena de posguerra",
    "en la Costa Azul en 1962", "en la Ciudad de México de hoy", "en una estación de esquí de Baqueira",
    "en un hotel de negocios de Tokio", "entre los viñedos de La Rioja", "en un caserón escocés en ruinas",
    "en una hacienda cubana de los años veinte", "durante una ola de calor en Madrid",
    "en las callejuelas de Estambul", "en el festival de cine de Venecia", "en un yate frente a Capri",
    "en las milongas de Buenos Aires", "en un pueblo costero de Asturias", "en un palacete de París",
    "en un rancho de Montana", "en El Cairo durante la guerra", "en las calles de Hong Kong",
    "en el barrio portuario de Hamburgo", "en un balneario de Bohemia",
    "en una boda en la costa amalfitana", "en el Manhattan de los setenta",
]
CABECERAS = [
    "Marsella, 1962", "Verano en la costa amalfitana", "La Habana, en vísperas de la revolución",
    "Un pueblo de Andalucía, en agosto", "Berlín, 1929", "Una semana de calor en Sevilla",
    "Un yate, una tormenta, tres invitados", "Viena, después de la guerra", "Montecarlo, temporada alta",
    "Un pueblecito de Luisiana", "Lisboa, un fin de semana largo", "Nueva York, 1974",
]
REMATES = [
    "Nada volverá a ser igual.", "El deseo tiene un precio.", "Hay tentaciones que lo valen todo.",
    "Nadie saldrá indemne.", "El verano va a arder.", "Alguien va a salir herido.",
    "Cada mirada es una promesa.", "La pasión nunca juega limpio.",
    "En otoño, un matrimonio estará en ruinas.", "El pueblo nunca se lo perdonará.",
]
GENEROS = [
    "este drama sensual", "esta serie tórrida", "este thriller erótico", "este drama de época sensual",
    "este romance provocador", "esta historia de deseo a fuego lento", "este culebrón glamuroso",
]

# ------------------------------------------------------------------ neutral
GENTE = [
    "f:una inspectora jubilada", "f:Ana, limpiadora de hospital,", "m:un ganadero lechero en apuros",
    "f:una astronauta en su última misión", "m:un conservador de museo", "m:un taxista de Lagos",
    "f:una médica residente", "m:un periodista caído en desgracia", "f:una capitana de ferri",
    "m:Tomasz, un electricista polaco en Dublín,", "f:una alcaldesa recién elegida",
    "m:un exboxeador", "f:una contable forense", "m:un maestro viudo", "f:una guía de montaña",
    "m:un ladronzuelo de poca monta", "f:una bióloga marina", "m:un farero solitario",
    "f:una abogada de oficio", "m:un gran maestro de ajedrez", "f:una controladora aérea",
    "m:un oficinista de seguros apocado", "f:una veterinaria de fauna salvaje", "m:un cómico",
    "f:una maquinista de tren", "m:un exfutbolista", "f:una arqueóloga", "m:un apicultor",
    "f:una jueza a punto de jubilarse", "m:un conserje de noche de hotel", "f:una ingeniera de software",
    "m:un conductor de autobús de Bilbao", "f:una corresponsal de guerra", "m:un pastelero",
    "f:una comadrona de la Kenia rural", "m:un comandante de submarino", "f:una bibliotecaria",
    "m:un viejo relojero", "f:una agente de aduanas", "m:un camionero",
    "f:Engracia, una viuda de sesenta años,", "m:un bombero novato", "f:una climatóloga",
]
TRAMAS = [
    ("thriller", "destapa una conspiración que llega a lo más alto del Gobierno"),
    ("thriller", "tiene que limpiar su nombre tras ser acusad[o|a] de un asesinato"),
    ("thriller", "encuentra el diario de un desconocido que predice las noticias del día siguiente"),
    ("thriller", "tiene una noche para encontrar una bomba escondida en la ciudad"),
    ("thriller", "presencia un secuestro y se convierte en el siguiente objetivo"),
    ("crime", "persigue a una banda de ladrones de arte por tres países"),
    ("crime", "se ve arrastrad[o|a] al negocio de contrabando de la familia"),
    ("crime", "reabre un caso archivado que todo el pueblo quiere olvidar"),
    ("crime", "planea un último golpe antes de jubilarse"),
    ("comedy", "acaba siendo [alcalde|alcaldesa] por error de un pueblo que nunca ha pisado"),
    ("comedy", "abre un restaurante sin saber freír un huevo"),
    ("comedy", "finge una pierna rota para librarse de las vacaciones familiares"),
    ("comedy", "hereda un circo en quiebra y un elefante muy testarudo"),
    ("comedy", "se apunta a un concurso de repostería para reconciliarse con su hermana"),
    ("drama", "lucha por conservar la granja familiar tras una cosecha desastrosa"),
    ("drama", "vuelve a casa después de veinte años para cuidar de su padre enfermo"),
    ("drama", "rehace su vida tras perderlo todo en una inundación"),
    ("drama", "tiene que decidir si declara contra un viejo amigo"),
    ("drama", "lucha por mantener abierto un pequeño hospital comarcal"),
    ("sport", "entrena para un último maratón tras una operación de rodilla"),
    ("sport", "lleva a un equipo de fútbol aficionado sin remedio hasta la final de copa"),
    ("sport", "intenta cruzar el Atlántico a remo en solitario"),
    ("sport", "tiene una última oportunidad de ganar el título mundial"),
    ("family", "se reencuentra con un hermano distanciado en un viaje por carretera hasta la costa"),
    ("family", "intenta mantener unida a la familia tras una quiebra repentina"),
    ("history", "pasa refugiados a través de los Pirineos en 1941"),
    ("history", "escribe el diario de un asedio que sobrevivirá a la guerra"),
    ("history", "ayuda a construir el primer ferrocarril de montaña"),
    ("scifi", "capta una señal de radio de una estrella que murió hace mil años"),
    ("scifi", "despierta en una estación espacial cuya tripulación ha desaparecido"),
    ("scifi", "descubre que su pueblo repite el mismo martes una y otra vez"),
    ("horror", "oye pasos en el desván de la casa que acaba de comprar"),
    ("horror", "se da cuenta de que nadie ha salido del pueblo en cincuenta años"),
    ("fantasy", "encuentra el mapa de un reino que solo existe los días de lluvia"),
    ("legal", "se enfrenta a una multinacional en un juicio que nadie cree que pueda ganar"),
    ("medical", "tiene que hacer una operación imposible durante un apagón"),
    ("western", "llega a un pueblo cuyo sheriff lleva una semana desaparecido"),
    ("war", "conduce un convoy de medicinas a través de territorio enemigo"),
    ("mystery", "investiga la desaparición de un violín célebre"),
    ("mystery", "es el único invitado que se da cuenta de que el mayordomo tiene un gemelo"),
]
ESCENARIOS = [
    "en un rincón perdido de las Highlands", "en el Belfast de los setenta",
    "en una isla azotada por las tormentas", "en el Lagos de hoy", "en un pueblecito holandés",
    "durante el invierno más largo que se recuerda", "en las afueras de Melbourne",
    "en el Chicago de los años veinte", "a bordo del Transiberiano",
    "en un pueblo minero del norte de Chile", "en los fiordos noruegos", "en el Berlín de la Guerra Fría",
    "en un pueblo de Navarra", "en el Seúl actual", "en los valles del Pirineo aragonés",
    "en el Nápoles de posguerra", "en un campamento maderero de Canadá",
    "en un buque de investigación en la Antártida", "en un barrio tranquilo de Kioto",
    "en el Londres victoriano", "en el desierto de Sonora", "en un hotel decadente de La Habana",
    "en el interior de Australia", "en las islas Feroe", "en un barrio obrero de Barcelona",
    "durante una huelga general", "en vísperas de unas elecciones", "en un valle de los Alpes",
]
GANCHOS = [
    "Pero el tiempo se acaba.", "Nada sale según lo previsto.", "Todo el pueblo está mirando.",
    "Basada en hechos reales.", "No te fíes de nadie.", "Es más difícil de lo que parece.",
    "Y el reloj no se detiene.", "Entonces suena el teléfono.", "Nadie le cree.",
    "La ayuda llega de donde menos se espera.", "La verdad es más extraña de lo que nadie pensaba.",
]
DOC_ENTRADAS = [
    "Este documental sigue a", "Una serie documental sobre", "Un retrato íntimo de",
    "Una película sobre", "Esta serie acompaña a", "Un año con",
]
DOC_PROTAGONISTAS = [
    "los últimos patrones de transbordador de las Hébridas", "las enfermeras de unas urgencias de Atenas",
    "los apicultores de los Cárpatos", "una familia de sopladores de vidrio de Venecia",
    "los bomberos voluntarios de un pueblo de montaña", "los canteros que restauran una catedral",
    "un equipo de meteorólogos en la Antártida", "los árbitros de Primera División",
    "una liga de lucha libre de cholitas en Bolivia", "los organeros de Sajonia",
    "los últimos mineros del carbón de León", "un equipo de guardas de fauna en Kenia",
    "los barrenderos de Nueva York", "una familia siria que lleva una panadería en Suecia",
    "los astrónomos del desierto de Atacama", "los conductores de trineos de perros de Alaska",
]
DOC_ACCIONES = [
    "mientras se preparan para la temporada más dura de sus vidas",
    "a lo largo de un año de cambios e incertidumbre", "durante un verano agitado",
    "mientras su forma de vida desaparece", "mientras una nueva tecnología amenaza su oficio",
    "desde el primer entrenamiento hasta la final", "con imágenes de archivo y entrevistas",
]
COCINEROS = [
    "f:una abuela siciliana", "m:un chef con estrella Michelin", "m:un vendedor callejero de Hanói",
    "f:una panadera de la Irlanda rural", "m:un maestro parrillero de Texas",
    "f:una historiadora de la gastronomía", "m:un maestro del ramen de Osaka",
    "f:una joven pastelera", "m:un pescador metido a cocinero",
]
ACCIONES_COCINA = [
    "comparte las recetas que su familia cocina desde hace un siglo",
    "recorre la costa en busca de platos olvidados", "da clases a principiantes muy nerviosos",
    "compite por un puesto en el restaurante más famoso del país",
    "prepara un banquete para un pueblo entero", "salva un restaurante en quiebra en treinta días",
]

# ------------------------------------------------------------------ niños (benigno)
NINOS = [
    "m:Sam, de diez años,", "f:Lily, de 9 años,", "f:una alumna tímida de quinto",
    "f:una niña de once años", "m:un niño de ocho años", "m:Noah, que acaba de cumplir doce,",
    "f:una alumna de cuarto de primaria", "m:un alumno de tercero", "f:una niña pequeña",
    "m:un niño pequeño", "f:Aisha, de doce años,", "m:Leo, de 10 años,",
    "f:una cría de nueve años loca por el fútbol", "m:un alumno de sexto", "f:Mía, de siete años,",
    "m:un chaval de once años de Vallecas", "f:una niña de diez años con mucha imaginación",
    "m:el pequeño de cinco hermanos", "f:una escolar", "m:Kofi, de 11 años,",
    "f:una niña de ocho años", "m:un crío a punto de cumplir once", "f:una alumna de primero de la ESO",
    "m:Jaime, un asmático de doce años,", "f:Rosa, de 10 años,", "m:un niño de siete años",
    "f:una colegiala de Zaragoza", "m:un escolar loco por los trenes", "f:Hana, de 12 años,",
    "m:un niño callado de diez años", "f:una alumna de tercero", "m:Tariq, de 9 años,",
]
NINO_TRAMAS = [
    ("adventure", "sale a buscar a su gato perdido"),
    ("adventure", "descubre un túnel secreto bajo el patio del colegio"),
    ("adventure", "sigue un mapa del tesoro encontrado en un libro de la biblioteca"),
    ("adventure", "ayuda a un cachorro perdido a volver a casa"),
    ("adventure", "construye una balsa para explorar la isla del lago"),
    ("school", "presenta un volcán casero en la feria de ciencias de la comarca"),
    ("school", "crea un periódico escolar del que habla todo el mundo"),
    ("school", "está decidid[o|a] a ganar el concurso de ortografía de la clase"),
    ("school", "organiza una recogida de firmas para salvar la biblioteca del colegio"),
    ("school", "consigue el papel protagonista en la función de fin de curso"),
    ("friendship", "se hace amig[o|a] del vecino anciano que vive solo"),
    ("friendship", "hace un amigo inesperado el primer día en su nuevo colegio"),
    ("friendship", "intenta que su mejor amigo no se mude"),
    ("family", "ayuda a su abuela a llevar la panadería familiar"),
    ("family", "prepara una fiesta de cumpleaños sorpresa para su madre"),
    ("family", "se acostumbra a la llegada de una hermanita"),
    ("family", "pasa el verano con sus abuelos en el pueblo"),
    ("illness", "monta un programa de radio en el hospital mientras se recupera"),
    ("illness", "aprende a vivir con la diabetes sin dejar el equipo del colegio"),
    ("sport", "entrena para su primera competición de natación"),
    ("sport", "entra en el equipo de fútbol del pueblo y marca en su primer partido"),
    ("sport", "corre una carrera de autos locos con un bólido hecho de chatarra"),
    ("sport", "aprende a montar a caballo en una escuela de equitación"),
    ("dance", "ensaya un baile regional para la fiesta de fin de curso"),
    ("dance", "se apunta a ballet y resulta ser [el más patoso|la más patosa] de la clase"),
    ("dance", "se presenta a un concurso de breakdance en el centro cívico"),
    ("pageant", "se disfraza de pirata para el desfile de carnaval del pueblo"),
    ("first_crush", "no se atreve a decirle a un compañero de clase que le gusta"),
    ("first_crush", "esconde una notita tímida para un compañero en un libro de la biblioteca"),
    ("puberty", "se preocupa por hacerse mayor y lo habla con una madre paciente"),
    ("talent", "aprende violín con un músico jubilado"),
    ("talent", "consigue plaza en un coro infantil nacional"),
    ("talent", "construye un robot que ayuda a su abuelo en casa"),
    ("grief", "planta un árbol en recuerdo de un abuelo muy querido"),
    ("animals", "cría un corderito huérfano en la granja familiar"),
    ("animals", "rescata un erizo y lo cuida hasta que se cura"),
]
NINO_ESCENARIOS = [
    "en un pueblecito de Teruel", "durante las vacaciones de verano", "en una granja de Normandía",
    "en un barrio bullicioso de Bombay", "en un camping junto al mar", "el primer día de clase",
    "en un pueblo de montaña aislado por la nieve", "durante la Semana Santa",
    "en el Dublín de los ochenta", "en un internado de los Alpes", "en un barrio de Sevilla",
    "en una casa flotante de Ámsterdam", "en un puerto pesquero de Maine", "en un campamento de verano",
    "en un pueblo a las puertas del Sáhara", "durante las vacaciones de Navidad",
]
NINO_REMATES = [
    "Una película familiar llena de ternura.", "Una aventura para toda la familia.",
    "Divertida, cálida y con mucho corazón.", "Una historia tierna sobre hacerse mayor.",
    "La amistad mueve montañas.", "Basada en el querido libro infantil.",
    "Para todos los públicos.", "Nada es imposible con un poco de valor.",
]

# ------------------------------------------------------------------ trampas (hard negatives)
INVESTIGADORES = [
    "los investigadores", "un equipo de trabajadoras sociales", "los fiscales",
    "una ONG de protección de la infancia", "dos periodistas de investigación", "una jueza de menores",
    "un equipo policial internacional", "los abogados", "una denunciante y un reportero",
    "un pequeño equipo de la unidad de menores",
]
TEMAS_ABUSO = [
    "que desmantelaron una red de trata que explotaba a niños",
    "que destaparon décadas de abusos en un internado",
    "que rescatan a niños del trabajo forzoso en los hornos de ladrillo",
    "que ayudaron a víctimas de abusos a llevar su caso a los tribunales",
    "que acabaron con una red de explotación infantil en internet",
    "que lucharon para proteger a niñas del matrimonio forzado",
    "que sacaron a la luz los abusos de un médico a jóvenes deportistas",
    "que localizaron a bebés robados a sus madres",
    "que rompieron el silencio sobre los abusos en una escolanía",
    "que sentaron en el banquillo a una banda de traficantes",
]
ENTRADAS_ABUSO = [
    "Este documental sigue a", "Un drama sobrio sobre", "Una serie documental sobre",
    "Basada en sumarios judiciales, una película sobre", "Una serie de investigación sobre",
    "Un drama contenido, basado en hechos reales, sobre", "La historia real de",
]
PAREJAS = [
    "una panadera viuda y un cartero jubilado", "dos residentes de una residencia junto al mar",
    "dos esposos casados desde hace cincuenta años", "dos vecinos setentones y solitarios",
    "una bibliotecaria tímida y un carpintero bonachón", "dos viudos que se conocen en un huerto urbano",
    "dos ancianos a los que separa la enfermedad", "dos amigos por correspondencia que se conocen al fin",
    "un soldado y la enfermera que lo curó", "una florista y un conductor de autobús",
]
GESTOS_TIERNOS = [
    "se enamoran poco a poco", "preparan sus bodas de oro", "aprenden a querer de nuevo tras un duelo",
    "se escriben cartas durante un año", "renuevan sus votos en la playa donde se conocieron",
    "se regalan una última vuelta al mundo", "se cuidan el uno al otro durante una larga enfermedad",
    "toman clases de baile de salón para sorprender a la familia",
]
PADRES = [
    "f:una madre soltera de tres hijos", "m:un padre divorciado", "f:una enfermera viuda",
    "m:un padre amo de casa", "f:una abogada recién separada", "m:un jefe de bomberos desbordado",
    "f:una madre de gemelos", "m:un marinero jubilado",
]
ACCIONES_PADRES = [
    "intenta llevar a sus críos al colegio a tiempo mientras lleva un food truck",
    "se lleva a sus hijos de viaje caótico por carretera a ver a la abuela",
    "hace malabares con dos trabajos y tres niños en un piso diminuto",
    "acaba en una cita a ciegas organizada por sus propios hijos",
    "se muda con sus hijos a una isla remota para empezar de cero",
    "promete a sus hijos la Navidad perfecta y todo sale mal",
    "vuelve a la universidad y estudia junto a sus hijos",
]
GRUPOS_JUVENILES = [
    "las chicas de contabilidad", "cuatro bomberos jubilados en un fin de semana de chicos",
    "los chicos de la peña de mus", "un grupo de abuelas que se llaman a sí mismas las chicas",
    "los chavales de la obra", "tres amigas del alma que cumplen sesenta",
    "los muchachos del cuartelillo de un pueblo costero", "unas cuarentonas de despedida de soltera",
    "las chicas de oro de una residencia", "los chicos malos de una residencia de mayores",
]
ACCIONES_GRUPOS = [
    "se van una semana a Lisboa entre visitas y karaoke desafinado",
    "se apuntan a un concurso de preguntas en el bar", "intentan salvar la piscina municipal",
    "preparan una fiesta sorpresa para su jefe", "se van de pesca a Noruega y se pierden",
    "resuelven un robo de joyas en su propia calle",
    "montan un grupo de rock con cuarenta años de retraso", "se hacen cargo de las fiestas del pueblo",
]
BAILARINES = [
    "f:una contable jubilada", "m:un agricultor viudo", "f:una abuela de seis nietos",
    "m:un estibador grandullón", "f:una enfermera del turno de noche", "m:un informático tímido",
    "f:una excampeona de remo", "m:un conductor de autobús recién jubilado",
]
BAILES = [
    "salsa", "bailes de salón", "tango", "country", "flamenco",
    "pole deportivo de competición", "aquaeróbic", "swing", "claqué",
]
MOTIVOS_BAILE = [
    "para ponerse en forma tras un susto cardíaco", "para honrar la memoria de su pareja",
    "para hacer amigos tras la jubilación", "y acaba en un campeonato nacional",
    "para demostrarle algo a su familia", "y descubre una segunda carrera inesperada",
]
FORMATOS_SALUD = [
    "Un documental sin tapujos sobre", "Una serie de salud pública sobre", "Una película educativa sobre",
    "Una serie cálida y práctica sobre", "Un documental conducido por médicos sobre",
    "Un programa divulgativo sobre",
]
TEMAS_SALUD = [
    "la menopausia", "la fertilidad y la reproducción asistida", "la historia de la anticoncepción",
    "la salud sexual a partir de los sesenta", "el consentimiento y el respeto en la pareja",
    "el cribado del cáncer de próstata", "cómo hablar de la pubertad con los hijos",
    "la prevención del VIH", "la endometriosis", "el embarazo después de los cuarenta",
]
PRESENTADORES_SALUD = [
    "presentado por una médica de familia", "con médicos que responden a los espectadores",
    "rodado con agentes de salud comunitarios", "conducido por una ginecóloga",
    "contado por los propios pacientes", "con las enfermeras de un centro de salud sexual",
]
PLATOS_CALIENTES = [
    "Una olla picante de Sichuan", "Cestas humeantes de empanadillas al vapor", "Unas fajitas chisporroteantes",
    "Un coulant de chocolate de lo más goloso", "Un helado italiano cremoso e irresistible",
    "Un pollo jerk jamaicano que echa fuego", "Un chile texano hirviendo", "Una tarta de queso irresistible",
    "Cuencos humeantes de pho", "Unos churros recién hechos y calentitos",
]
COLAS_PLATOS = [
    "en una cocina diminuta de Chengdu", "y la familia que los cocina desde hace sesenta años",
    "en el centro de un concurso de comida callejera", "en una ruta gastronómica por el sur",
    "en un programa de cocina para principiantes", "de una cocinera que lo aprendió todo de su abuela",
]
OTROS_CALIENTES = [
    "Una ola de calor asfixiante atenaza la ciudad mientras los bomberos combaten un incendio en el monte.",
    "Las líneas seductoras de un deportivo italiano de los sesenta, restaurado tornillo a tornillo.",
    "Una expedición por la selva húmeda en busca de un templo perdido.",
    "Los globos aerostáticos llenan el cielo en el mayor festival del mundo.",
    "Una tarde tórrida en Savannah, una joya familiar desaparecida y una vecina muy cotilla.",
    "El plan más solicitado de la ciudad es un curso de cocina que da un juez jubilado.",
    "Bollos tentadores y un panadero que se levanta a las tres de la mañana.",
    "Un cachorro travieso siembra el caos en una exposición canina.",
]
PERSONAS = [
    "f:una mujer de treinta y tantos", "m:un exfutbolista", "f:una profesora jubilada",
    "f:una madre joven", "m:un hombre de cincuenta y tantos", "f:una presentadora de televisión",
]
ACTOS_SOBRIOS = [
    "rehace su vida tras dejar a una pareja violenta",
    "lleva a su agresor a juicio en un caso basado en hechos reales",
    "sale del armario ante su familia tras años de silencio",
    "empieza terapia de pareja tras veinte años de matrimonio",
    "vuelve a buscar el amor en un programa de citas",
    "denuncia el acoso que sufrió en el trabajo",
]

GRAMMAR: dict[str, list[dict[str, Any]]] = {
    "framing": [
        {"templates": ["{S^} {P} {T}.", "{T^}, {S} {P}.", "{S^} {P}. {X}", "{S^} {P} {T}. {X}"],
         "slots": {"S": ADULTOS, "P": ENCUADRE, "T": LUGARES, "X": REMATES}, "kind_slot": "P"},
        {"templates": ["{H}: {S} {P}.", "{H}. {S^} {P}.", "En {G}, {S} {P} {T}."],
         "slots": {"S": ADULTOS, "P": ENCUADRE, "T": LUGARES, "H": CABECERAS, "G": GENEROS},
         "kind_slot": "P"},
    ],
    "neutral": [
        {"templates": ["{S^} {P} {T}.", "{T^}, {S} {P}.", "{S^} {P}. {X}", "{S^} {P} {T}. {X}"],
         "slots": {"S": GENTE, "P": TRAMAS, "T": ESCENARIOS, "X": GANCHOS}, "kind_slot": "P", "weight": 6},
        {"templates": ["{D} {Q} {A}."], "kind": "documentary", "weight": 2,
         "slots": {"D": DOC_ENTRADAS, "Q": DOC_PROTAGONISTAS, "A": DOC_ACCIONES}},
        {"templates": ["{S^} {P}.", "En este programa de cocina, {S} {P}."], "kind": "cooking",
         "slots": {"S": COCINEROS, "P": ACCIONES_COCINA}},
    ],
    "child_benign": [
        {"templates": ["{S^} {P} {T}.", "{T^}, {S} {P}.", "{S^} {P}. {X}", "{S^} {P} {T}. {X}"],
         "slots": {"S": NINOS, "P": NINO_TRAMAS, "T": NINO_ESCENARIOS, "X": NINO_REMATES},
         "kind_slot": "P"},
    ],
    "hard_negative": [
        {"templates": ["{D} {I} {A}.", "{D} {I} {A}, {T}."], "kind": "abuse_documentary",
         "slots": {"D": ENTRADAS_ABUSO, "I": INVESTIGADORES, "A": TEMAS_ABUSO, "T": ESCENARIOS}},
        {"templates": ["{C^} {A}.", "Un romance tierno: {C} {A}."], "kind": "tender_romance",
         "slots": {"C": PAREJAS, "A": GESTOS_TIERNOS}},
        {"templates": ["{P^} {A}.", "Una comedia cálida en la que {P} {A}."], "kind": "kids_as_family",
         "slots": {"P": PADRES, "A": ACCIONES_PADRES}},
        {"templates": ["{G^} {A}.", "Una comedia en la que {G} {A}."], "kind": "youthful_words_adults",
         "slots": {"G": GRUPOS_JUVENILES, "A": ACCIONES_GRUPOS}},
        {"templates": ["{P^} se apunta a clases de {D} {R}.", "A los sesenta, {P} se apunta a clases de {D} {R}."],
         "kind": "adult_dance_fitness", "slots": {"P": BAILARINES, "D": BAILES, "R": MOTIVOS_BAILE}},
        {"templates": ["{F} {H}, {P}."], "kind": "sex_education",
         "slots": {"F": FORMATOS_SALUD, "H": TEMAS_SALUD, "P": PRESENTADORES_SALUD}},
        {"templates": ["{F} {T}.", "{O}"], "kind": "hot_words",
         "slots": {"F": PLATOS_CALIENTES, "T": COLAS_PLATOS, "O": OTROS_CALIENTES}},
        {"templates": ["{S^} {A}.", "Un drama en el que {S} {A}."], "kind": "mature_plain",
         "slots": {"S": PERSONAS, "A": ACTOS_SOBRIOS}},
    ],
}
