"""The demo programme's content, in French (it is data, not interface text): `demo.seed` creates it.

Every organisation and person here is invented. The facts about the programme (its offers, the
exhibitions, the projects Tour de Babel and Dép'art) are written in our own words.
"""

from __future__ import annotations

import datetime as dt

from bookings.enums import RequestKind, RequestStatus
from partners.enums import StructureKind as K
from partners.enums import StructureStatus as S
from programmes.enums import AccessibilityFeature as A
from programmes.enums import Audience, ExhibitionKind, OfferKind

DEMO_PASSWORD = "Louvre-Lens-2026"  # noqa: S105 - printed on purpose: demo accounts only (refused without DEBUG)

STAFF = {
    "email": "equipe@louvrelens.example",
    "first_name": "Claire",
    "last_name": "Vasseur",
    "phone": "03 21 18 62 00",
}
MEDIATOR = {
    "email": "mediatrice@louvrelens.example",
    "first_name": "Inès",
    "last_name": "Dumont",
    "phone": "03 21 18 62 10",
}
OTHER_MEDIATORS = [
    {"email": "mediateur.caron@louvrelens.example", "first_name": "Julien", "last_name": "Caron"},
    {"email": "mediatrice.morel@louvrelens.example", "first_name": "Léa", "last_name": "Morel"},
]
COORDINATOR = {
    "email": "relais@louvrelens.example",
    "first_name": "Sophie",
    "last_name": "Lemaire",
    "phone": "06 12 34 56 78",
}
# The demo coordinator's structure (active).
COORDINATOR_STRUCTURE = ("Centre social des Terrils", "Loos-en-Gohelle")

# --------------------------------------------------------------------------------------------
# Exhibitions
# --------------------------------------------------------------------------------------------

EXHIBITIONS = [
    {
        "slug": "galerie-du-temps",
        "title": "Galerie du temps",
        "kind": ExhibitionKind.PERMANENT,
        "start_date": dt.date(2012, 12, 4),
        "end_date": None,
        "description": (
            "Une grande salle sans cloisons où l'on traverse plus de cinq mille ans d'histoire de l'art, "
            "de l'invention de l'écriture au XIXe siècle. Les œuvres, prêtées par le musée du Louvre, "
            "sont présentées dans l'ordre du temps : on peut s'y promener librement et comparer les "
            "civilisations d'un seul regard."
        ),
    },
    {
        "slug": "l-histoire-commence-en-mesopotamie",
        "title": "L'Histoire commence en Mésopotamie",
        "kind": ExhibitionKind.TEMPORARY,
        "start_date": dt.date(2016, 11, 2),
        "end_date": dt.date(2017, 1, 23),
        "description": (
            "Une exposition consacrée à la Mésopotamie, entre le Tigre et l'Euphrate, là où sont nées "
            "les premières villes et l'écriture. Tablettes d'argile, sceaux et statues racontaient la "
            "vie quotidienne, les rois et les dieux de cette région."
        ),
    },
    {
        "slug": "au-fil-de-l-eau",
        "title": "Au fil de l'eau : fleuves et civilisations",
        "kind": ExhibitionKind.TEMPORARY,
        "start_date": dt.date(2026, 9, 23),
        "end_date": dt.date(2027, 1, 18),
        "description": (
            "Du Nil à l'Escaut, les fleuves ont nourri les villes, porté les marchandises et inspiré "
            "les artistes. L'exposition suit l'eau à travers les siècles : objets du quotidien, "
            "peintures de ports et de canaux, cartes et maquettes."
        ),
    },
    {
        "slug": "visages-de-terre",
        "title": "Visages de terre : la céramique à travers les âges",
        "kind": ExhibitionKind.TEMPORARY,
        "start_date": dt.date(2027, 3, 24),
        "end_date": dt.date(2027, 7, 26),
        "description": (
            "La terre cuite est l'un des plus anciens matériaux de l'humanité. Vases, figurines et "
            "carreaux montrent comment, partout dans le monde, on a façonné l'argile pour cuisiner, "
            "prier, décorer ou raconter des histoires."
        ),
    },
    {
        "slug": "danser-le-monde",
        "title": "Danser le monde",
        "kind": ExhibitionKind.TEMPORARY,
        "start_date": dt.date(2026, 3, 25),
        "end_date": dt.date(2026, 7, 20),
        "description": (
            "Une exposition sur le corps en mouvement : la danse dans les rituels, les fêtes et les "
            "spectacles, de l'Antiquité à nos jours, à travers sculptures, costumes et images."
        ),
    },
]

# --------------------------------------------------------------------------------------------
# Offers
# --------------------------------------------------------------------------------------------

MEETING_POINT = "Hall d'accueil du musée, près de la banque d'accueil des groupes"
WHAT_TO_BRING_GROUP = (
    "Prévoir d'arriver quinze minutes avant le début. Les sacs volumineux vont au vestiaire (gratuit). "
    "Des sièges pliants sont prêtés à l'accueil pour les personnes qui en ont besoin."
)

OFFERS = [
    {
        "slug": "abc-du-musee",
        "title": "L'ABC du musée",
        "kind": OfferKind.ABC,
        "audience": Audience.RELAIS,
        "formula": "Formation des relais, 1 h 30",
        "summary": "Une première visite pour les relais : trouver ses repères au musée et découvrir "
        "les expositions du moment.",
        "description": (
            "Pendant une heure et demie, un médiateur fait découvrir aux professionnels relais le "
            "musée, ses espaces et son fonctionnement : l'accueil des groupes, la Galerie du temps, "
            "les expositions temporaires en cours et les ressources disponibles. C'est le point de "
            "départ du partenariat : après l'ABC, le relais peut réserver des visites et, s'il le "
            "souhaite, venir avec son groupe en autonomie."
        ),
        "easy_read_summary": (
            "Vous travaillez avec un groupe. Vous venez seul au musée. Un médiateur vous montre le "
            "musée pendant 1 heure 30. Après, vous pouvez revenir avec votre groupe."
        ),
        "duration_minutes": 90,
        "min_group_size": 1,
        "max_group_size": 1,
        "participants_per_staff": None,
        "booking_deadline_hours": 48,
        "cancellation_deadline_hours": 24,
        "requires_abc_training": False,
        "exhibition": None,
        "accessibility": [A.WHEELCHAIR, A.HEARING_LOOP],
        "meeting_point": MEETING_POINT,
        "what_to_bring": "De quoi prendre des notes. La formation est gratuite.",
    },
    {
        "slug": "stage-d-approfondissement",
        "title": "Stage d'approfondissement",
        "kind": OfferKind.DEEPENING,
        "audience": Audience.RELAIS,
        "formula": "Une journée",
        "summary": "Une journée pour gagner en autonomie et construire ses propres visites, sans "
        "connaissance préalable en histoire de l'art.",
        "description": (
            "Ce stage d'une journée s'adresse aux relais qui ont suivi l'ABC du musée et veulent aller "
            "plus loin. Aucune connaissance en histoire de l'art n'est nécessaire : on apprend à "
            "regarder une œuvre, à choisir un parcours adapté à son groupe et à animer un temps "
            "d'échange devant les œuvres. Les participants repartent avec des outils simples pour "
            "préparer leurs visites."
        ),
        "easy_read_summary": (
            "Une journée au musée pour les relais. On apprend à guider son groupe. Pas besoin de "
            "connaître l'art."
        ),
        "duration_minutes": 360,
        "min_group_size": 1,
        "max_group_size": 1,
        "participants_per_staff": None,
        "booking_deadline_hours": 168,
        "cancellation_deadline_hours": 72,
        "requires_abc_training": False,
        "exhibition": None,
        "accessibility": [A.WHEELCHAIR],
        "meeting_point": MEETING_POINT,
        "what_to_bring": "Le déjeuner est libre (un espace pique-nique est à disposition). De quoi écrire.",
    },
    {
        "slug": "accompagnement-vers-l-autonomie",
        "title": "Accompagnement vers l'autonomie",
        "kind": OfferKind.AUTONOMY_SUPPORT,
        "audience": Audience.RELAIS,
        "formula": "Rendez-vous de préparation, 2 h",
        "summary": "Le musée aide le relais à préparer la visite qu'il mènera lui-même avec son groupe.",
        "description": (
            "Un médiateur rencontre le relais pour construire avec lui la visite qu'il conduira seul : "
            "choix des œuvres selon les envies et les besoins du groupe, parcours, durée, supports à "
            "emporter, petites activités devant les œuvres. Le relais repart avec un plan de visite "
            "prêt à l'emploi."
        ),
        "easy_read_summary": (
            "Vous voulez faire la visite vous-même avec votre groupe. Un médiateur vous aide à la préparer."
        ),
        "duration_minutes": 120,
        "min_group_size": 1,
        "max_group_size": 1,
        "participants_per_staff": None,
        "booking_deadline_hours": 72,
        "cancellation_deadline_hours": 48,
        "requires_abc_training": False,
        "exhibition": None,
        "accessibility": [A.WHEELCHAIR],
        "meeting_point": MEETING_POINT,
        "what_to_bring": "Quelques mots sur votre groupe : ses attentes, ses besoins, la durée possible.",
    },
    {
        "slug": "visite-decouverte-1h",
        "title": "Visite avec médiateur — Découverte",
        "kind": OfferKind.GUIDED_VISIT,
        "audience": Audience.GROUP,
        "formula": "Découverte 1 h",
        "summary": "Une heure dans la Galerie du temps pour une première rencontre avec les œuvres.",
        "description": (
            "Une visite courte et vivante, idéale pour une première venue : le médiateur choisit "
            "quelques œuvres fortes et laisse une large place aux questions et aux impressions du "
            "groupe."
        ),
        "easy_read_summary": "Une visite d'1 heure avec un médiateur. On regarde quelques œuvres ensemble.",
        "duration_minutes": 60,
        "min_group_size": 4,
        "max_group_size": 15,
        "participants_per_staff": 8,
        "booking_deadline_hours": 72,
        "cancellation_deadline_hours": 48,
        "requires_abc_training": False,
        "exhibition": "galerie-du-temps",
        "accessibility": [A.WHEELCHAIR, A.HEARING_LOOP],
        "meeting_point": MEETING_POINT,
        "what_to_bring": WHAT_TO_BRING_GROUP,
    },
    {
        "slug": "visite-approfondie-1h30",
        "title": "Visite avec médiateur — Approfondie",
        "kind": OfferKind.GUIDED_VISIT,
        "audience": Audience.GROUP,
        "formula": "Approfondie 1 h 30",
        "summary": "Une heure et demie pour prendre le temps d'observer et de discuter devant les œuvres.",
        "description": (
            "Le médiateur construit avec le relais un parcours autour d'un thème (le portrait, les "
            "animaux, le pouvoir, la vie quotidienne...) et invite le groupe à observer, comparer et "
            "échanger."
        ),
        "easy_read_summary": "",
        "duration_minutes": 90,
        "min_group_size": 4,
        "max_group_size": 15,
        "participants_per_staff": 8,
        "booking_deadline_hours": 72,
        "cancellation_deadline_hours": 48,
        "requires_abc_training": False,
        "exhibition": "galerie-du-temps",
        "accessibility": [A.WHEELCHAIR, A.HEARING_LOOP],
        "meeting_point": MEETING_POINT,
        "what_to_bring": WHAT_TO_BRING_GROUP,
    },
    {
        "slug": "visite-sensorielle-tactile",
        "title": "Visite sensorielle et tactile",
        "kind": OfferKind.GUIDED_VISIT,
        "audience": Audience.GROUP,
        "formula": "Visite sensorielle / tactile",
        "summary": "Toucher des matériaux, écouter, sentir : une visite qui passe par tous les sens.",
        "description": (
            "Conçue pour les personnes aveugles ou malvoyantes et ouverte à tous, cette visite "
            "propose des reproductions à toucher, des échantillons de matériaux et des descriptions "
            "détaillées des œuvres."
        ),
        "easy_read_summary": (
            "Une visite où l'on peut toucher. On touche des copies d'œuvres et des matériaux. Le "
            "médiateur décrit les œuvres."
        ),
        "duration_minutes": 90,
        "min_group_size": 3,
        "max_group_size": 10,
        "participants_per_staff": 4,
        "booking_deadline_hours": 120,
        "cancellation_deadline_hours": 72,
        "requires_abc_training": False,
        "exhibition": "galerie-du-temps",
        "accessibility": [A.TACTILE, A.AUDIO_DESCRIPTION, A.WHEELCHAIR],
        "meeting_point": MEETING_POINT,
        "what_to_bring": "Rien de particulier : les mains sont nettoyées avant de toucher les reproductions.",
    },
    {
        "slug": "visite-en-lsf",
        "title": "Visite en langue des signes",
        "kind": OfferKind.GUIDED_VISIT,
        "audience": Audience.GROUP,
        "formula": "Visite en LSF",
        "summary": "Une visite menée directement en langue des signes française par un médiateur signant.",
        "description": (
            "Le médiateur s'exprime en LSF, sans interprète. Le parcours laisse le temps de regarder "
            "les œuvres puis d'échanger, pour que l'attention ne soit pas partagée entre l'œuvre et la "
            "parole."
        ),
        "easy_read_summary": "",
        "duration_minutes": 90,
        "min_group_size": 3,
        "max_group_size": 15,
        "participants_per_staff": None,
        "booking_deadline_hours": 168,
        "cancellation_deadline_hours": 72,
        "requires_abc_training": False,
        "exhibition": "galerie-du-temps",
        "accessibility": [A.LSF, A.HEARING_LOOP, A.WHEELCHAIR],
        "meeting_point": MEETING_POINT,
        "what_to_bring": WHAT_TO_BRING_GROUP,
    },
    {
        "slug": "visite-facile-a-lire-falc",
        "title": "Visite facile à comprendre",
        "kind": OfferKind.GUIDED_VISIT,
        "audience": Audience.GROUP,
        "formula": "Visite en FALC facile à lire",
        "summary": "Des mots simples, des phrases courtes et un livret facile à lire pour suivre la visite.",
        "description": (
            "Une visite pensée avec la méthode « facile à lire et à comprendre » : vocabulaire "
            "simple, rythme calme, supports illustrés. Chaque participant reçoit un petit livret qu'il "
            "garde après la visite."
        ),
        "easy_read_summary": (
            "Une visite avec des mots simples. On reçoit un livret facile à lire. On peut poser toutes "
            "les questions."
        ),
        "duration_minutes": 75,
        "min_group_size": 3,
        "max_group_size": 12,
        "participants_per_staff": 6,
        "booking_deadline_hours": 72,
        "cancellation_deadline_hours": 48,
        "requires_abc_training": False,
        "exhibition": "galerie-du-temps",
        "accessibility": [A.FALC, A.WHEELCHAIR],
        "meeting_point": MEETING_POINT,
        "what_to_bring": WHAT_TO_BRING_GROUP,
    },
    {
        "slug": "atelier-ecriture-tablettes-caracteres",
        "title": "Atelier écriture : des tablettes d'argile aux caractères",
        "kind": OfferKind.WORKSHOP,
        "audience": Audience.GROUP,
        "formula": "Visite et atelier, 2 h",
        "summary": "Découvrir les premières écritures dans la Galerie du temps, puis écrire à son tour.",
        "description": (
            "Le groupe observe des tablettes cunéiformes, des hiéroglyphes et des manuscrits, puis "
            "passe à l'atelier : tracer des signes dans l'argile, inventer son alphabet, écrire un mot "
            "ou une phrase qui compte. Particulièrement apprécié des groupes qui apprennent le "
            "français."
        ),
        "easy_read_summary": (
            "On regarde les premières écritures du monde. Ensuite, on écrit dans l'argile avec un bâton."
        ),
        "duration_minutes": 120,
        "min_group_size": 4,
        "max_group_size": 12,
        "participants_per_staff": 8,
        "booking_deadline_hours": 120,
        "cancellation_deadline_hours": 72,
        "requires_abc_training": False,
        "exhibition": "galerie-du-temps",
        "accessibility": [A.WHEELCHAIR, A.FALC],
        "meeting_point": "Ateliers pédagogiques, niveau -1 (accès par l'ascenseur du hall)",
        "what_to_bring": "Des vêtements qui ne craignent pas l'argile. Le matériel est fourni.",
    },
    {
        "slug": "atelier-argumentation-posture",
        "title": "Atelier argumentation et posture",
        "kind": OfferKind.WORKSHOP,
        "audience": Audience.GROUP,
        "formula": "Atelier, 2 h 30",
        "summary": (
            "Présenter une œuvre aux autres pour apprendre à défendre une idée et à prendre la parole."
        ),
        "description": (
            "Chaque participant choisit une œuvre, la décrit et explique pourquoi il l'a choisie. Le "
            "groupe travaille la voix, la posture et les arguments, dans un cadre bienveillant. Un "
            "atelier utile pour préparer un entretien ou reprendre confiance à l'oral."
        ),
        "easy_read_summary": "",
        "duration_minutes": 150,
        "min_group_size": 5,
        "max_group_size": 12,
        "participants_per_staff": 10,
        "booking_deadline_hours": 120,
        "cancellation_deadline_hours": 72,
        "requires_abc_training": False,
        "exhibition": "galerie-du-temps",
        "accessibility": [A.WHEELCHAIR],
        "meeting_point": "Ateliers pédagogiques, niveau -1 (accès par l'ascenseur du hall)",
        "what_to_bring": "De quoi écrire.",
    },
    {
        "slug": "cycle-co-construit",
        "title": "Cycle co-construit",
        "kind": OfferKind.CO_BUILT_CYCLE,
        "audience": Audience.GROUP,
        "formula": "Plusieurs séances sur quelques mois",
        "summary": "Un cycle de visites et d'ateliers imaginé avec la structure, autour d'un projet commun.",
        "description": (
            "Le musée et la structure partenaire construisent ensemble un cycle de plusieurs séances "
            "(visites, ateliers, rencontres avec des artistes) au service d'un objectif propre au "
            "groupe : apprendre la langue, reprendre confiance, préparer un retour à l'emploi, créer "
            "une œuvre collective."
        ),
        "easy_read_summary": "",
        "duration_minutes": 150,
        "min_group_size": 5,
        "max_group_size": 15,
        "participants_per_staff": 8,
        "booking_deadline_hours": 72,
        "cancellation_deadline_hours": 48,
        "requires_abc_training": False,
        "exhibition": None,
        "accessibility": [A.WHEELCHAIR],
        "meeting_point": MEETING_POINT,
        "what_to_bring": WHAT_TO_BRING_GROUP,
    },
    {
        "slug": "visite-en-autonomie",
        "title": "Visite en autonomie",
        "kind": OfferKind.AUTONOMOUS_VISIT,
        "audience": Audience.GROUP,
        "formula": "Créneau de visite libre, 1 h 30",
        "summary": "Le relais formé à l'ABC du musée conduit lui-même la visite de son groupe.",
        "description": (
            "Après l'ABC du musée, le relais peut réserver un créneau pour venir avec son groupe et "
            "mener la visite lui-même. Le musée garantit l'accueil du groupe et le prêt de supports "
            "(livrets, sièges pliants, boucle magnétique)."
        ),
        "easy_read_summary": "Le relais de votre structure vous fait visiter le musée.",
        "duration_minutes": 90,
        "min_group_size": 3,
        "max_group_size": 20,
        "participants_per_staff": 8,
        "booking_deadline_hours": 48,
        "cancellation_deadline_hours": 24,
        "requires_abc_training": True,
        "exhibition": None,
        "accessibility": [A.WHEELCHAIR, A.HEARING_LOOP],
        "meeting_point": MEETING_POINT,
        "what_to_bring": WHAT_TO_BRING_GROUP,
    },
]

# --------------------------------------------------------------------------------------------
# The calendar, laid out around the anchor day (the day the demo was first loaded)
# --------------------------------------------------------------------------------------------

MON, WED, THU, FRI, SAT = 0, 2, 3, 4, 5  # never Tuesday: the museum is closed on Tuesdays

# offer slug -> (weekday, hour, minute, every n weeks, week offset, capacity)
RHYTHM = {
    "abc-du-musee": (THU, 14, 0, 2, 0, 14),
    "stage-d-approfondissement": (FRI, 9, 30, 6, 1, 12),
    "accompagnement-vers-l-autonomie": (MON, 14, 0, 4, 2, 6),
    "visite-decouverte-1h": (WED, 10, 0, 1, 0, 25),
    "visite-approfondie-1h30": (THU, 10, 0, 2, 1, 25),
    "visite-sensorielle-tactile": (FRI, 14, 0, 4, 0, 12),
    "visite-en-lsf": (MON, 10, 0, 6, 3, 18),
    "visite-facile-a-lire-falc": (WED, 14, 0, 3, 1, 18),
    "atelier-ecriture-tablettes-caracteres": (FRI, 10, 0, 3, 2, 16),
    "atelier-argumentation-posture": (MON, 14, 30, 6, 5, 15),
    "visite-en-autonomie": (SAT, 10, 30, 1, 0, 30),
}
PAST_WEEKS = 52
FUTURE_WEEKS = 17

# Why some sessions gone by were cancelled.
CANCELLATION_REASONS = [
    "Le médiateur prévu est souffrant et n'a pas pu être remplacé.",
    "Les salles de la Galerie du temps étaient fermées pour un changement d'accrochage.",
]
# A booking of a session gone by that its structure cancelled.
LATE_CANCELLATION_COMMENT = "Annulée par la structure : sortie reportée."
# The demo mediator's day away, ten days after the anchor day.
UNAVAILABILITY_REASON = "Formation interne : accueil des publics sourds"
# The demo coordinator's colleague, invited and not yet joined.
INVITED_COLLEAGUE = "nouvelle.collegue@exemple.fr"
# Why the suspended structure is suspended.
SUSPENSION_REASON = "Réservations non honorées à plusieurs reprises sans prévenir."

# Where each offer's sessions take place.
PLACES = {
    "abc-du-musee": "Hall d'accueil",
    "stage-d-approfondissement": "Salle de formation, centre de ressources",
    "accompagnement-vers-l-autonomie": "Centre de ressources",
    "visite-decouverte-1h": "Galerie du temps",
    "visite-approfondie-1h30": "Galerie du temps",
    "visite-sensorielle-tactile": "Galerie du temps",
    "visite-en-lsf": "Galerie du temps",
    "visite-facile-a-lire-falc": "Galerie du temps",
    "atelier-ecriture-tablettes-caracteres": "Ateliers pédagogiques",
    "atelier-argumentation-posture": "Ateliers pédagogiques",
    "cycle-co-construit": "Ateliers pédagogiques",
    "visite-en-autonomie": "Galerie du temps",
}

# --------------------------------------------------------------------------------------------
# Partner structures (invented): name, kind, city, postcode, département, status, publics
# --------------------------------------------------------------------------------------------

STRUCTURES = [
    # Social field
    ("CADA Lens-Liévin", K.CADA, "Lens", "62300", "62", S.ACTIVE, "Demandeurs d'asile, adultes et familles"),
    (
        "CADA Les Hirondelles",
        K.CADA,
        "Hénin-Beaumont",
        "62110",
        "62",
        S.ACTIVE,
        "Familles en demande d'asile",
    ),
    ("CHRS L'Escale", K.SHELTER, "Béthune", "62400", "62", S.ACTIVE, "Adultes isolés hébergés"),
    (
        "Résidence sociale Le Phare",
        K.SHELTER,
        "Arras",
        "62000",
        "62",
        S.ACTIVE,
        "Jeunes travailleurs et adultes",
    ),
    (
        "Foyer La Passerelle",
        K.SHELTER,
        "Liévin",
        "62800",
        "62",
        S.ACTIVE,
        "Femmes accompagnées de leurs enfants",
    ),
    (
        "Hébergement d'urgence Les Glycines",
        K.SHELTER,
        "Avion",
        "62210",
        "62",
        S.ACTIVE,
        "Personnes sans abri",
    ),
    ("CHRS Le Cap", K.SHELTER, "Valenciennes", "59300", "59", S.ACTIVE, "Adultes en réinsertion"),
    (
        "Centre social des Terrils",
        K.SOCIAL_CENTRE,
        "Loos-en-Gohelle",
        "62750",
        "62",
        S.ACTIVE,
        "Familles, seniors et jeunes du quartier",
    ),
    ("Centre social La Ruche", K.SOCIAL_CENTRE, "Harnes", "62440", "62", S.ACTIVE, "Familles et seniors"),
    (
        "Centre social Les Tilleuls",
        K.SOCIAL_CENTRE,
        "Bully-les-Mines",
        "62160",
        "62",
        S.ACTIVE,
        "Adultes en apprentissage du français",
    ),
    ("Centre social du Faubourg", K.SOCIAL_CENTRE, "Carvin", "62220", "62", S.ACTIVE, "Parents et enfants"),
    (
        "Maison de quartier des Cités",
        K.SOCIAL_CENTRE,
        "Lens",
        "62300",
        "62",
        S.ACTIVE,
        "Habitants des cités minières",
    ),
    ("Centre social Arc-en-ciel", K.SOCIAL_CENTRE, "Wingles", "62410", "62", S.PENDING, "Familles et jeunes"),
    (
        "Épicerie solidaire Le Panier",
        K.OTHER_SOCIAL,
        "Sallaumines",
        "62430",
        "62",
        S.SUSPENDED,
        "Bénéficiaires de l'aide alimentaire",
    ),
    (
        "Accueil de jour Le Fil",
        K.OTHER_SOCIAL,
        "Douai",
        "59500",
        "59",
        S.ACTIVE,
        "Personnes en grande précarité",
    ),
    # Employment insertion
    (
        "Agence France Travail de Lens",
        K.EMPLOYMENT_AGENCY,
        "Lens",
        "62300",
        "62",
        S.ACTIVE,
        "Demandeurs d'emploi, dont jeunes de moins de 26 ans",
    ),
    (
        "Agence France Travail de Liévin",
        K.EMPLOYMENT_AGENCY,
        "Liévin",
        "62800",
        "62",
        S.ACTIVE,
        "Demandeurs d'emploi",
    ),
    (
        "Agence France Travail d'Hénin-Beaumont",
        K.EMPLOYMENT_AGENCY,
        "Hénin-Beaumont",
        "62110",
        "62",
        S.ACTIVE,
        "Demandeurs d'emploi de longue durée",
    ),
    (
        "Mission locale Cœur de Gohelle",
        K.MISSION_LOCALE,
        "Lens",
        "62300",
        "62",
        S.ACTIVE,
        "Jeunes de 16 à 25 ans",
    ),
    (
        "Mission locale des Deux Rives",
        K.MISSION_LOCALE,
        "Béthune",
        "62400",
        "62",
        S.ACTIVE,
        "Jeunes de 16 à 25 ans",
    ),
    (
        "Mission locale Artois Jeunes",
        K.MISSION_LOCALE,
        "Arras",
        "62000",
        "62",
        S.PENDING,
        "Jeunes de 16 à 25 ans",
    ),
    (
        "Chantier d'insertion Les Jardins du Terril",
        K.INSERTION_WORKSITE,
        "Loos-en-Gohelle",
        "62750",
        "62",
        S.ACTIVE,
        "Salariés en insertion, maraîchage",
    ),
    (
        "Chantier d'insertion Bois et Patrimoine",
        K.INSERTION_WORKSITE,
        "Carvin",
        "62220",
        "62",
        S.ACTIVE,
        "Salariés en insertion, menuiserie et bâti ancien",
    ),
    (
        "Recyclerie du Bassin",
        K.INSERTION_WORKSITE,
        "Avion",
        "62210",
        "62",
        S.ACTIVE,
        "Salariés en insertion, réemploi",
    ),
    (
        "Entreprise d'insertion Tremplin",
        K.OTHER_INSERTION,
        "Harnes",
        "62440",
        "62",
        S.ACTIVE,
        "Salariés en parcours d'insertion",
    ),
    (
        "Association intermédiaire Coup de Main",
        K.OTHER_INSERTION,
        "Noyelles-sous-Lens",
        "62221",
        "62",
        S.ACTIVE,
        "Personnes éloignées de l'emploi",
    ),
    (
        "Plateforme emploi Métropole Sud",
        K.OTHER_INSERTION,
        "Lille",
        "59000",
        "59",
        S.ACTIVE,
        "Allocataires du RSA",
    ),
    # Health and disability
    (
        "IME Les Coquelicots",
        K.IME,
        "Lens",
        "62300",
        "62",
        S.ACTIVE,
        "Enfants et adolescents avec déficience intellectuelle",
    ),
    (
        "IME La Roseraie",
        K.IME,
        "Béthune",
        "62400",
        "62",
        S.ACTIVE,
        "Adolescents avec troubles du spectre autistique",
    ),
    ("IME Le Chêne", K.IME, "Arras", "62000", "62", S.PENDING, "Enfants polyhandicapés"),
    (
        "ESAT Les Ateliers du Bassin",
        K.ESAT,
        "Hénin-Beaumont",
        "62110",
        "62",
        S.ACTIVE,
        "Travailleurs en situation de handicap",
    ),
    ("ESAT La Fabrique", K.ESAT, "Liévin", "62800", "62", S.ACTIVE, "Travailleurs en situation de handicap"),
    (
        "ESAT Le Moulin",
        K.ESAT,
        "Carvin",
        "62220",
        "62",
        S.ACTIVE,
        "Travailleurs en situation de handicap psychique",
    ),
    (
        "Hôpital de jour Les Iris",
        K.DAY_HOSPITAL,
        "Lens",
        "62300",
        "62",
        S.ACTIVE,
        "Adultes suivis en psychiatrie",
    ),
    (
        "Hôpital de jour L'Éclaircie",
        K.DAY_HOSPITAL,
        "Béthune",
        "62400",
        "62",
        S.ACTIVE,
        "Adolescents suivis en pédopsychiatrie",
    ),
    ("Hôpital de jour Le Jardin", K.DAY_HOSPITAL, "Douai", "59500", "59", S.ACTIVE, "Personnes âgées"),
    (
        "SAMSAH Horizons",
        K.SAMSAH,
        "Arras",
        "62000",
        "62",
        S.ACTIVE,
        "Adultes en situation de handicap psychique",
    ),
    ("SAMSAH de la Gohelle", K.SAMSAH, "Avion", "62210", "62", S.ACTIVE, "Adultes avec déficience visuelle"),
    (
        "Foyer de vie Les Acacias",
        K.OTHER_HEALTH,
        "Méricourt",
        "62680",
        "62",
        S.ACTIVE,
        "Adultes en situation de handicap",
    ),
    (
        "SESSAD Les Petits Pas",
        K.OTHER_HEALTH,
        "Bully-les-Mines",
        "62160",
        "62",
        S.ACTIVE,
        "Enfants sourds et malentendants",
    ),
    (
        "Groupe d'entraide mutuelle L'Entraide",
        K.OTHER_HEALTH,
        "Harnes",
        "62440",
        "62",
        S.ACTIVE,
        "Adultes en situation de handicap psychique",
    ),
]

STREETS = [
    "rue Jean-Jaurès",
    "rue Victor-Hugo",
    "avenue de la République",
    "rue Émile-Zola",
    "rue Pasteur",
    "boulevard Basly",
    "rue des Écoles",
    "rue de la Gare",
    "place de la Mairie",
    "rue du Marais",
    "rue des Tilleuls",
    "rue Paul-Bert",
    "cité des Provinces",
    "rue Arthur-Lamendin",
]

FIRST_NAMES = [
    "Nathalie",
    "Karim",
    "Céline",
    "Mickaël",
    "Aurélie",
    "Thomas",
    "Samia",
    "Julie",
    "Laurent",
    "Émilie",
    "Yacine",
    "Virginie",
    "Sébastien",
    "Amandine",
    "Fabrice",
    "Hélène",
    "Jérôme",
    "Marion",
    "Damien",
    "Nadia",
    "Guillaume",
    "Stéphanie",
    "Olivier",
    "Caroline",
    "Mehdi",
    "Sandrine",
    "Frédéric",
    "Lucie",
    "Christophe",
    "Élodie",
]
LAST_NAMES = [
    "Lefebvre",
    "Dupuis",
    "Delattre",
    "Leroy",
    "Wallart",
    "Duhamel",
    "Lecomte",
    "Bouchez",
    "Delannoy",
    "Vandamme",
    "Haddad",
    "Deprez",
    "Carlier",
    "Lemoine",
    "Dewailly",
    "Hennebelle",
    "Fournier",
    "Kaczmarek",
    "Nowak",
    "Boulanger",
    "Mahieu",
    "Becquet",
    "Ramdane",
    "Lheureux",
    "Szymanski",
    "Cuvelier",
    "Petit",
    "Tison",
    "Ledoux",
    "Caudron",
]

# --------------------------------------------------------------------------------------------
# Co-built projects and requests
# --------------------------------------------------------------------------------------------

TOUR_DE_BABEL = {
    "slug": "tour-de-babel",
    "name": "Tour de Babel",
    "description": (
        "Un projet mené en 2016 avec le CADA de Lens-Liévin autour de l'exposition « L'Histoire "
        "commence en Mésopotamie ». Des personnes en demande d'asile, qui apprenaient le français, ont "
        "suivi des ateliers d'écriture avec un écrivain : partir des tablettes d'argile et des premiers "
        "signes pour écrire, dans la langue nouvelle et dans la leur, des textes sur l'exil, la ville "
        "et la mémoire."
    ),
    "goals": (
        "Pratiquer le français par l'écriture ; valoriser les langues et les écritures de chacun ; "
        "faire du musée un lieu familier."
    ),
    "patron": "Fondation Total",
    "start_date": dt.date(2016, 10, 1),
    "end_date": dt.date(2017, 1, 23),
    "exhibition": "l-histoire-commence-en-mesopotamie",
    "partners": [("CADA Lens-Liévin", "Lens")],
}

DEPART = {
    "slug": "dep-art",
    "name": "Dép'art",
    "description": (
        "Des ateliers artistiques au musée pour de jeunes demandeurs d'emploi suivis par l'agence "
        "France Travail de Lens. Devant les œuvres et en atelier, les jeunes travaillent "
        "l'argumentation, la posture et la communication, puis montent ensemble un projet collectif "
        "qu'ils présentent à la fin du cycle."
    ),
    "goals": "Reprendre confiance à l'oral ; savoir présenter un projet ; travailler en équipe.",
    "patron": "",
    "exhibition": None,
    "partners": [("Agence France Travail de Lens", "Lens")],
}

REQUESTS = [
    {
        "structure": ("IME La Roseraie", "Béthune"),
        "kind": RequestKind.CYCLE,
        "status": RequestStatus.NEW,
        "offset_days": (30, 120),
        "participants": 6,
        "group_description": "Six adolescents de 14 à 17 ans, accompagnés de deux éducateurs.",
        "goals": "Découvrir le musée en plusieurs fois, dans un cadre calme, autour des animaux dans l'art.",
        "exhibition": "galerie-du-temps",
        "answer": "",
    },
    {
        "structure": ("ESAT La Fabrique", "Liévin"),
        "kind": RequestKind.CUSTOM_DATE,
        "status": RequestStatus.IN_DISCUSSION,
        "offset_days": (20, 25),
        "participants": 12,
        "group_description": "Douze travailleurs de l'atelier de conditionnement et leur moniteur.",
        "goals": "Une visite découverte un lundi matin, seul jour où l'atelier est fermé.",
        "exhibition": "au-fil-de-l-eau",
        "answer": "Nous regardons avec l'équipe de médiation si un lundi matin de décembre est possible.",
    },
    {
        "structure": ("Agence France Travail de Lens", "Lens"),
        "kind": RequestKind.CYCLE,
        "status": RequestStatus.ACCEPTED,
        "offset_days": (-60, 120),
        "participants": 10,
        "group_description": "Une dizaine de jeunes de moins de 26 ans en recherche d'emploi.",
        "goals": "Reprendre confiance à l'oral et préparer les entretiens à travers un projet artistique.",
        "exhibition": None,
        "answer": "Avec plaisir : le cycle Dép'art est programmé, les dates sont dans votre espace.",
    },
    {
        "structure": ("CHRS L'Escale", "Béthune"),
        "kind": RequestKind.CUSTOM_DATE,
        "status": RequestStatus.DECLINED,
        "offset_days": (10, 10),
        "participants": 25,
        "group_description": "Les personnes hébergées et l'équipe éducative, pour une sortie d'été.",
        "goals": "Une visite pour tout le foyer en une seule fois.",
        "exhibition": None,
        "answer": (
            "Un groupe de 25 personnes est trop grand pour une visite confortable : nous vous proposons "
            "deux visites Découverte à des dates proches, que vous pouvez réserver dans le calendrier."
        ),
    },
]
