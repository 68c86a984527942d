"""Security identifiers as the real schemes build them: ISIN (Luhn check digit), CUSIP and SEDOL check digits."""

from __future__ import annotations

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SEDOL_WEIGHTS = (1, 3, 1, 7, 3, 9)
SEDOL_CHARACTERS = "0123456789BCDFGHJKLMNPQRSTVWXYZ"  # SEDOLs never use vowels


def _value(character: str) -> int:
    return _ALPHABET.index(character)


def luhn_digit(digits: str) -> int:
    """The Luhn check digit for a string of decimal digits."""
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def isin(country: str, nsin: str) -> str:
    """A 12-character ISIN: country, 9-character national number, Luhn digit over letters expanded (A = 10)."""
    body = f"{country}{nsin}"
    if len(body) != 11:
        raise ValueError(f"an ISIN body has 11 characters, got {body!r}")
    return body + str(luhn_digit("".join(str(_value(character)) for character in body)))


def cusip(issuer: str, issue: str = "10") -> str:
    """A 9-character CUSIP: 6-character issuer, 2-character issue, check digit (doubled odd positions)."""
    body = f"{issuer}{issue}"
    total = 0
    for position, character in enumerate(body):
        value = _value(character) * (2 if position % 2 == 1 else 1)
        total += value // 10 + value % 10
    return body + str((10 - total % 10) % 10)


def sedol(body: str) -> str:
    """A 7-character SEDOL: six characters without vowels and a weighted check digit."""
    total = sum(_value(character) * weight for character, weight in zip(body, _SEDOL_WEIGHTS, strict=True))
    return body + str((10 - total % 10) % 10)


def base36(number: int, width: int, alphabet: str = _ALPHABET) -> str:
    """`number` written in the alphabet, left-padded to `width` characters."""
    characters = []
    for _ in range(width):
        number, digit = divmod(number, len(alphabet))
        characters.append(alphabet[digit])
    return "".join(reversed(characters))


def nse_isin(serial: int, *, fund: bool = False) -> str:
    """INE… for companies, INF… for fund units: issuer code, security type 01, serial."""
    issuer = base36(serial, 4)
    return isin("IN", f"{'F' if fund else 'E'}{issuer}01{base36(serial % 36, 1)}{serial % 10}")


def uk_isin(serial: int, *, irish: bool = False) -> str:
    """GB00 + SEDOL (IE00 for the Irish-domiciled ETFs that London lists)."""
    code = sedol("B" + base36(serial * 7919 % 31**5, 5, SEDOL_CHARACTERS))
    return isin("IE" if irish else "GB", "00" + code)


def us_isin(serial: int) -> str:
    """US + CUSIP: the issuer number is derived from the serial so every company gets its own."""
    issuer = f"{(serial * 7927) % 900000 + 100000:06d}"[:5] + base36(serial % 36, 1)
    return isin("US", cusip(issuer))
