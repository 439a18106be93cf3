"""Chinese numerals (一 … 九十九, 一百二十) and numbering symbols (①, ⑴, ㈠, Ⅻ) to ints."""

from __future__ import annotations

import unicodedata

_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}

CHINESE_NUMERAL_CHARS = "".join(_DIGITS) + "".join(_UNITS)


def to_int(label: str) -> int | None:
    """Value of an Arabic, Chinese or circled numeral; None when it is not one."""
    label = label.strip()
    if not label:
        return None
    # isdecimal, not isdigit: "①" and "²" are digits to Python but int() refuses them.
    if label.isdecimal():
        return int(label)
    if len(label) == 1 and label not in _DIGITS and label not in _UNITS:
        return _symbol_value(label)
    return _chinese_to_int(label)


def _symbol_value(ch: str) -> int | None:
    """A single numbering symbol (①, ⑴, ⒈, ㈠, Ⅻ, ❶): its Unicode numeric value when whole."""
    value = unicodedata.numeric(ch, None)
    if value is None or value != int(value) or not 0 < value <= 100:
        return None
    return int(value)


def _chinese_to_int(text: str) -> int | None:
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            # "十" alone means 10, so a missing multiplier counts as 1.
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def to_chinese(n: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三 (up to 999), as labels are written in documents."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    rest = n % 100
    head = digits[n // 100] + "百"
    if rest == 0:
        return head
    return head + ("零" + digits[rest] if rest < 10 else ("一" + to_chinese(rest) if rest < 20 else to_chinese(rest)))
