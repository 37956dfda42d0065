"""Every word the page, the legend and the summary show, in English and French.

The founding report is bilingual, and so is the dashboard: a missing key is a test failure,
not a silent fallback.
"""
from __future__ import annotations

import datetime as dt

MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
}
WEEKDAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
}

TEXT = {
    "title": {"en": "Frontlines: eastern and central Libya, 2014–2018",
              "fr": "Lignes de front : est et centre de la Libye, 2014-2018"},
    "page_title": {"en": "Frontlines: {title}", "fr": "Lignes de front : {title}"},
    "map_title": {"en": "Territorial control and events", "fr": "Contrôle territorial et événements"},
    "language": {"en": "Language", "fr": "Langue"},
    "factions": {"en": "Factions", "fr": "Factions"},
    "event_types": {"en": "Event types", "fr": "Types d'événements"},
    "window": {"en": "Events shown", "fr": "Événements affichés"},
    "window_30": {"en": "Last 30 days", "fr": "30 derniers jours"},
    "window_90": {"en": "Last 90 days", "fr": "90 derniers jours"},
    "window_365": {"en": "Last 365 days", "fr": "365 derniers jours"},
    "window_all": {"en": "All up to the date", "fr": "Tous jusqu'à la date"},
    "window_range": {"en": "Between two dates", "fr": "Entre deux dates"},
    "layers": {"en": "Layers", "fr": "Couches"},
    "layer_control": {"en": "Control areas", "fr": "Zones de contrôle"},
    "layer_events": {"en": "Events", "fr": "Événements"},
    "layer_movements": {"en": "Movements", "fr": "Mouvements"},
    "layer_labels": {"en": "Place names", "fr": "Noms de lieux"},
    "basemap": {"en": "Basemap", "fr": "Fond de carte"},
    "basemap_offline": {"en": "Offline vector (bundled)", "fr": "Vectoriel hors ligne (inclus)"},
    "basemap_tiles": {"en": "Online tiles (needs internet)", "fr": "Tuiles en ligne (internet requis)"},
    "play": {"en": "Play", "fr": "Lecture"},
    "pause": {"en": "Pause", "fr": "Pause"},
    "back": {"en": "Step back", "fr": "Reculer d'un pas"},
    "forward": {"en": "Step forward", "fr": "Avancer d'un pas"},
    "speed": {"en": "Step", "fr": "Pas"},
    "step_day": {"en": "1 day", "fr": "1 jour"},
    "step_week": {"en": "1 week", "fr": "1 semaine"},
    "step_month": {"en": "1 month", "fr": "1 mois"},
    "date_label": {"en": "Date", "fr": "Date"},
    "events_per_week": {"en": "Events per week, by initiating faction (click to jump)",
                        "fr": "Événements par semaine, par faction à l'initiative (cliquer pour y aller)"},
    "details": {"en": "Event details", "fr": "Détails de l'événement"},
    "details_hint": {"en": "Click an event on the map to read what happened and who reported it.",
                     "fr": "Cliquez sur un événement de la carte pour lire ce qui s'est passé et qui l'a rapporté."},
    "estimated": {"en": "estimated from place observations", "fr": "estimé d'après des observations de lieux"},
    "estimated_short": {"en": "est.", "fr": "est."},
    "layer_estimated": {"en": "Estimated control (from place observations)",
                        "fr": "Contrôle estimé (d'après des observations de lieux)"},
    "observed": {"en": "last observed", "fr": "dernière observation le"},
    "gained": {"en": "gained", "fr": "gagné"},
    "lost": {"en": "lost", "fr": "perdu"},
    "net": {"en": "net", "fr": "solde"},
    "changed_since": {"en": "Changed since {day}", "fr": "Changé depuis le {day}"},
    "compare_title": {"en": "Ground gained and lost", "fr": "Terrain gagné et perdu"},
    "mode": {"en": "Mode", "fr": "Mode"},
    "mode_explore": {"en": "Explore one date", "fr": "Explorer une date"},
    "mode_compare": {"en": "Compare two dates", "fr": "Comparer deux dates"},
    "compare_from": {"en": "Compare from (A); the slider sets B",
                     "fr": "Comparer depuis (A) ; le curseur règle B"},
    "changes_table": {"en": "Ground gained and lost, km²", "fr": "Terrain gagné et perdu, km²"},
    "faction": {"en": "Faction", "fr": "Faction"},
    "no_changes": {"en": "No drawn area changed hands between these dates.",
                   "fr": "Aucune zone dessinée n'a changé de mains entre ces dates."},
    "events_explaining": {"en": "Events in or near the ground that changed hands",
                          "fr": "Événements dans ou près du terrain qui a changé de mains"},
    "area_chart": {"en": "Ground held by each faction, km² (click to jump)",
                   "fr": "Terrain tenu par chaque faction, km² (cliquer pour y aller)"},
    "export": {"en": "Export", "fr": "Exporter"},
    "export_image": {"en": "Export map image", "fr": "Exporter l'image de la carte"},
    "size_slide": {"en": "Slide (1920×1080)", "fr": "Diapositive (1920×1080)"},
    "size_print": {"en": "Print (A4, 300 dpi)", "fr": "Impression (A4, 300 dpi)"},
    "size_small": {"en": "Small (1280×720)", "fr": "Petit (1280×720)"},
    "export_csv": {"en": "Events shown (CSV)", "fr": "Événements affichés (CSV)"},
    "export_geojson": {"en": "Map data (GeoJSON)", "fr": "Données de la carte (GeoJSON)"},
    "export_animation": {"en": "Export animation", "fr": "Exporter l'animation"},
    "animation_range": {"en": "Animation from / to (frames: the step above)",
                        "fr": "Animation du / au (images : le pas ci-dessus)"},
    "rendering": {"en": "Rendering frame {done} of {total}…", "fr": "Rendu de l'image {done} sur {total}…"},
    "queued": {"en": "Waiting for the export worker…", "fr": "En attente du moteur d'export…"},
    "ready": {"en": "Ready: download {name}", "fr": "Prêt : télécharger {name}"},
    "failed": {"en": "Export failed: {error}", "fr": "Échec de l'export : {error}"},
    "exported": {"en": "Exported {name}", "fr": "Exporté : {name}"},
    "start_date": {"en": "Start date", "fr": "Date de début"},
    "end_date": {"en": "End date", "fr": "Date de fin"},
    "pick_date": {"en": "Pick a date", "fr": "Choisir une date"},
    "dataset": {"en": "Dataset", "fr": "Jeu de données"},
    "import": {"en": "Import your data", "fr": "Importer vos données"},
    "import_help": {"en": "ACLED or UCDP GED CSV, GeoJSON, GeoPackage or zipped Shapefile, up to {mb} MB. Name the dataset, then drop or choose the file.",
                    "fr": "CSV ACLED ou UCDP GED, GeoJSON, GeoPackage ou Shapefile zippé, jusqu'à {mb} Mo. Nommez le jeu de données, puis déposez ou choisissez le fichier."},
    "import_name": {"en": "Dataset name (a-z, 0-9, -)", "fr": "Nom du jeu (a-z, 0-9, -)"},
    "drop_file": {"en": "Drop a file here or click to choose", "fr": "Déposez un fichier ici ou cliquez pour choisir"},
    "bundled": {"en": "bundled", "fr": "inclus"},
    "events_count": {"en": "{n} events", "fr": "{n} événements"},
    "areas_today": {"en": "Control areas on this day", "fr": "Zones de contrôle ce jour-là"},
    "no_areas": {"en": "No control area is recorded for this day.",
                 "fr": "Aucune zone de contrôle n'est enregistrée pour ce jour."},
    "valid": {"en": "Valid", "fr": "Valable"},
    "until_further": {"en": "until further notice", "fr": "jusqu'à nouvel ordre"},
    "summary": {"en": "Summary", "fr": "Résumé"},
    "held": {"en": "held", "fr": "tenu"},
    "contested": {"en": "contested", "fr": "disputé"},
    "contested_with": {"en": "contested with", "fr": "disputé avec"},
    "status_held": {"en": "Held (solid fill)", "fr": "Tenu (aplat)"},
    "status_contested": {"en": "Contested (hatched, dashed edge)", "fr": "Disputé (hachures, bord en tirets)"},
    "movement": {"en": "Movement (arrow shows direction)", "fr": "Mouvement (la flèche indique le sens)"},
    "date": {"en": "Date", "fr": "Date"},
    "place": {"en": "Place", "fr": "Lieu"},
    "actors": {"en": "Actors", "fr": "Acteurs"},
    "fatalities": {"en": "Fatalities", "fr": "Morts"},
    "not_reported": {"en": "not reported", "fr": "non communiqué"},
    "type": {"en": "Type", "fr": "Type"},
    "sources": {"en": "Sources", "fr": "Sources"},
    "notes": {"en": "Conflicting or uncertain reports", "fr": "Informations contradictoires ou incertaines"},
    "precision_day": {"en": "exact day", "fr": "jour exact"},
    "precision_week": {"en": "within about a week", "fr": "à une semaine près"},
    "precision_month": {"en": "within about a month", "fr": "à un mois près"},
    "location_exact": {"en": "exact location", "fr": "lieu exact"},
    "location_town": {"en": "town centre (location approximate)", "fr": "centre de la localité (lieu approximatif)"},
    "location_region": {"en": "somewhere in the area (location approximate)", "fr": "quelque part dans la zone (lieu approximatif)"},
    "report_view": {"en": "Report view", "fr": "Vue rapport"},
    "download_png": {"en": "Download PNG", "fr": "Télécharger en PNG"},
    "approximate": {"en": "Area boundaries are approximate; see each area's sources.",
                    "fr": "Les limites des zones sont approximatives ; voir les sources de chaque zone."},
    "attribution": {"en": "Basemap: Natural Earth (public domain); places: GeoNames (CC BY 4.0), © OpenStreetMap contributors (ODbL)",
                    "fr": "Fond : Natural Earth (domaine public) ; lieux : GeoNames (CC BY 4.0), © contributeurs OpenStreetMap (ODbL)"},
    "sources_line": {"en": "Sources:", "fr": "Sources :"},
    "scale": {"en": "km", "fr": "km"},
    "events_in_window": {"en": "events in view", "fr": "événements affichés"},
    "from": {"en": "from", "fr": "du"},
    "to": {"en": "to", "fr": "au"},
    "bad_url": {"en": "Part of the address could not be used and was reset",
                "fr": "Une partie de l'adresse n'a pas pu être utilisée et a été réinitialisée"},
    "all": {"en": "All", "fr": "Tout"},
    "none": {"en": "None", "fr": "Aucun"},
    "skip_to_map": {"en": "Skip to map", "fr": "Aller à la carte"},
}


def t(key: str, lang: str) -> str:
    return TEXT[key][lang]


def date_words(day: dt.date, lang: str, weekday: bool = False) -> str:
    """'Wednesday 20 April 2016' / 'mercredi 20 avril 2016'."""
    if lang == "fr":
        text = f"{'1er' if day.day == 1 else day.day} {MONTHS['fr'][day.month - 1]} {day.year}"
    else:
        text = f"{day.day} {MONTHS['en'][day.month - 1]} {day.year}"
    return f"{WEEKDAYS[lang][day.weekday()]} {text}" if weekday else text


def number(value: float, lang: str) -> str:
    """Thousands grouped the way each language writes them (12,345 / 12 345)."""
    text = f"{value:,.0f}"
    return text.replace(",", "\u202f") if lang == "fr" else text
