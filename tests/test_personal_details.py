"""What identifies a person in a consultation question (Deduce, with the desk's policy per tag type), on Dutch
examples: each kind refused, ordinary phrases let through."""
import sys
from datetime import date
from pathlib import Path

import pytest

from commands.personal_details import (
    ADDRESS,
    BSN,
    DATE,
    EMAIL,
    NAME,
    NUMBER,
    PHONE,
    PLATE,
    POSTCODE,
    find,
    plates,
)
from core import annotator

TODAY = date(2026, 12, 1)
KNOWN = ["Den Haag", "Delft", "Zoetermeer", "Politie Haaglanden", "GGZ Delfland", "Bouman GGZ", "overlast"]

PERSONAL = [
    ("Ik maak me zorgen over Jan de Vries en zijn moeder.", NAME, "Jan de Vries"),
    ("Mevrouw Jansen belt steeds de wijkagent.", NAME, "Mevrouw Jansen"),
    ("De vader, geboren 12-03-1985, drinkt.", DATE, "12-03-1985"),
    ("Het kind is op 3 maart 2019 geboren en spijbelt.", DATE, "3 maart 2019"),
    ("Het gezin woont op de Hoefkade 12 en heeft schulden.", ADDRESS, "Hoefkade 12"),
    ("Het gaat om een adres in 2526 AB, overlast.", POSTCODE, "2526 AB"),
    ("Zijn BSN is 123456782; wie kan helpen?", BSN, "123456782"),
    ("De moeder is bereikbaar op 06-12345678.", PHONE, "06-12345678"),
    ("Mail de zoon op k.jansen@example.nl over school.", EMAIL, "k.jansen@example.nl"),
    ("Een auto met kenteken 12-ABC-3 staat steeds voor de deur.", PLATE, "12-ABC-3"),
    ("Dossiernummer 1234567 bij de reclassering.", NUMBER, "1234567"),
]

ORDINARY = [
    "de moeder van drie kinderen in Delft",
    "Ik heb een gezin in Den Haag waar de vader agressief is; wie kan ik erbij halen?",
    "Een jongen van 15 jaar uit Zoetermeer pleegt inbraken; de wijkagent en leerplicht weten ervan.",
    "Kan ik Veilig Thuis inschakelen bij huiselijk geweld in de wijk Moerwijk?",
    "Is het verstandig de GGZ Delfland, Halt en de Raad voor de Kinderbescherming te betrekken?",
    "Bouman GGZ en de reclassering zijn al betrokken.",
    "Sinds 1 januari 2026 is er elke week overlast; de zitting is op 15 december 2026.",
    "Zie https://www.veiligthuis.nl voor de meldcode.",
    "Vader (45) drinkt, moeder heeft schulden bij de Belastingdienst.",
]


@pytest.mark.parametrize("text,kind,fragment", PERSONAL)
async def test_each_kind_of_personal_detail_is_found(text, kind, fragment):
    found = await find(text, KNOWN, TODAY)
    assert any(f.kind == kind and fragment in f.fragment for f in found), found


@pytest.mark.parametrize("text", ORDINARY)
async def test_ordinary_dutch_phrases_are_not_refused(text):
    assert await find(text, KNOWN, TODAY) == []


def test_licence_plates_need_letters_and_digits_in_plate_groups():
    assert [f.fragment for f in plates("kenteken XX-99-XX en 9-XXX-99 en 99-xx-99")] == ["XX-99-XX", "9-XXX-99",
                                                                                          "99-xx-99"]
    assert plates("op 12-03-85 om 10-12 uur, MDA-overleg, ABC-DEF-GH") == []
    assert [f.fragment for f in plates("kenteken: 12ABC3")] == ["12ABC3"]
    assert plates("een telefoon 12ABC3") == []


async def test_deduce_is_loaded_in_its_worker_not_in_the_bots_process():
    assert await find("Jan de Vries belt.", KNOWN, TODAY)
    assert "deduce" not in sys.modules  # its gigabyte of tables stays out of the bot's memory (bench/startup.py)


def test_a_stop_ends_the_worker_at_once_even_while_it_loads():
    annotator.stop()
    processes = list(annotator.start()._processes.values())  # started, and loading Deduce
    assert processes
    annotator.stop()
    for process in processes:
        process.join(5)  # the pool's own thread may reap it first: ask the system, not the Process object
        assert ended(process.pid)


def ended(pid: int) -> bool:
    """The process is gone, or a zombie waiting to be reaped (Linux /proc)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
