"""The ISO 4217 codes of currencies in circulation today.

Rule: money on a listing, an order or the wire names one of these codes. A three-letter
upper-case string alone is not enough: a menu saying ``RMB`` (a colloquial name, the code is
``CNY``) or ``XYZ`` used to import fine and only failed later, at order time, as a mismatch.
The table is data, not a dependency, because the domain layer imports nothing outside the
standard library; it was taken from CLDR's legal-tender currencies (as shipped in Babel 2.18).
"""

from __future__ import annotations

ISO_4217: frozenset[str] = frozenset("""
AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD
KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP
SLE SOS SRD SSP STN SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV
WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split())


def is_currency(code: str) -> bool:
    """True for an ISO 4217 code of a currency in circulation (upper case, e.g. ``CNY``)."""
    return code in ISO_4217
