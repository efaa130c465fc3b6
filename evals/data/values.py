"""Random fictional PII values for the PII datasets. Every number is generated (phone numbers use the
fictional 555-01xx range where one exists); no value belongs to a real person."""

from __future__ import annotations

import random
import string

from guardrails.pii.validators import cn_id_check_char

FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in string.digits})


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def group(number: str, sizes: list[int], sep: str) -> str:
    out, i = [], 0
    for size in sizes:
        out.append(number[i:i + size])
        i += size
    if i < len(number):
        out.append(number[i:])
    return sep.join(out)


class Values:
    def __init__(self, rng: random.Random, first: list[str], last: list[str], zh_surnames: str, zh_given: list[str],
                 streets: list[str], cities: list[tuple[str, str, str]], zh_places: list[str], zh_roads: list[str]):
        self.r = rng
        self.first, self.last = first, last
        self.zh_surnames, self.zh_given = zh_surnames, zh_given
        self.streets, self.cities, self.zh_places, self.zh_roads = streets, cities, zh_places, zh_roads

    # -- people -------------------------------------------------------------------------------
    def first_name(self) -> str:
        return self.r.choice(self.first)

    def person(self) -> str:
        return f"{self.r.choice(self.first)} {self.r.choice(self.last)}"

    def zh_person(self) -> str:
        return self.r.choice(self.zh_surnames.split()) + self.r.choice(self.zh_given)

    # -- contact ------------------------------------------------------------------------------
    def email(self, name: str | None = None) -> str:
        r = self.r
        local = (name or self.person()).lower()
        if not local.isascii():
            local = r.choice(["wang", "li", "zhang", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu"]) + \
                r.choice(["", ".", "_"]) + r.choice(["jian", "min", "lei", "fang", "yu", "hui", "jing", "tao"])
        parts = local.split()
        local = r.choice([".".join(parts), parts[0][0] + parts[-1], parts[0] + str(r.randint(1, 99)),
                          "_".join(parts)]) if parts else local
        domain = r.choice(["example.com", "mail.example.org", "corp.example", "brightmail.example", "qq.example.cn",
                           "outlook.example", "163.example.com", "acme-robotics.example", "yunfan.example.cn"])
        return f"{local}@{domain}"

    def us_phone(self) -> str:
        r = self.r
        area, line = r.choice(["212", "415", "617", "312", "206", "512", "303", "646", "202"]), f"01{r.randint(0, 99):02d}"
        return r.choice([f"({area}) 555-{line}", f"{area}-555-{line}", f"+1 {area} 555 {line}", f"{area}.555.{line}",
                         f"+1-{area}-555-{line}", f"1 ({area}) 555-{line}"])

    def intl_phone(self) -> str:
        r = self.r
        return r.choice([f"+44 20 7946 0{r.randint(100, 999)}", f"+65 6{r.randint(100, 999)} {r.randint(1000, 9999)}",
                         f"+49 30 {r.randint(1000000, 9999999)}", f"+61 2 9{r.randint(100, 999)} {r.randint(1000, 9999)}",
                         f"+81 3-{r.randint(1000, 9999)}-{r.randint(1000, 9999)}", f"+33 1 {r.randint(10, 99)} "
                         f"{r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}"])

    def cn_mobile(self, fullwidth_ok: bool = True) -> str:
        r = self.r
        n = r.choice("3456789")
        number = f"1{n}{r.randint(0, 9)}{r.randint(0, 99999999):08d}"
        text = r.choice([number, number, group(number, [3, 4, 4], " "), group(number, [3, 4, 4], "-"),
                         "+86 " + group(number, [3, 4, 4], " "), "+86" + number, "+86-" + number, "0086 " + number,
                         "(+86) " + number])
        if fullwidth_ok and r.random() < 0.1:
            text = text.translate(FULLWIDTH)
        return text

    def cn_landline(self) -> str:
        r = self.r
        area = r.choice(["010", "021", "0755", "0571", "020", "028", "025", "027"])
        local = str(r.randint(2, 8)) + "".join(r.choice(string.digits) for _ in range(7 if len(area) == 3 else 6 + r.randint(0, 1)))
        return r.choice([f"{area}-{local}", f"{area}-{local[:4]} {local[4:]}", f"({area}) {local}",
                         f"+86 {area[1:]} {local[:4]} {local[4:]}", f"{area}{local}"])

    def cn_id(self) -> str:
        r = self.r
        region = r.choice(["110105", "310115", "440305", "330106", "510107", "420102", "320106", "370202"])
        born = f"{r.randint(1960, 2004)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}"
        first17 = region + born + f"{r.randint(0, 999):03d}"
        return first17 + cn_id_check_char(first17)

    def bad_cn_id(self) -> str:
        """18 digits shaped like an ID whose check character is wrong."""
        good = self.cn_id()
        wrong = self.r.choice([c for c in "0123456789" if c != good[-1]])
        return good[:17] + wrong

    def ssn(self) -> str:
        r = self.r
        area = r.choice([n for n in range(1, 900) if n != 666])
        return f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"

    def card(self) -> str:
        r = self.r
        kind = r.choice(["visa", "mc", "up16", "up19", "amex"])
        if kind == "amex":
            number = luhn_complete(r.choice(["34", "37"]), 15, r)
            return r.choice([group(number, [4, 6, 5], " "), number])
        prefix, length = {"visa": ("4", 16), "mc": (r.choice(["51", "52", "53", "54", "55"]), 16),
                          "up16": ("62", 16), "up19": ("62", 19)}[kind]
        number = luhn_complete(prefix + r.choice(["", "2", "17", "58"]), length, r)
        return r.choice([number, group(number, [4, 4, 4, 4], " "), group(number, [4, 4, 4, 4], "-")])

    def bad_card(self) -> str:
        """16 digits that fail Luhn."""
        good = luhn_complete(self.r.choice(["4", "62", "51", "20", "88"]), 16, self.r)
        bad = good[:-1] + str((int(good[-1]) + self.r.randint(1, 9)) % 10)
        return self.r.choice([bad, bad, group(bad, [4, 4, 4, 4], " ")])

    def wechat(self) -> str:
        r = self.r
        base = r.choice(["lily", "mike", "xiaowang", "chen", "sunny", "kevin", "amy", "leo", "judy", "tiger", "momo",
                         "alex", "coco", "yuki", "zhao", "ben"])
        return r.choice([f"{base}_{r.randint(1, 999)}", f"{base}{r.randint(1980, 2020)}", f"wxid_{r.randint(10**9, 10**10)}",
                         f"{base}-{r.choice(['sh', 'bj', 'hz', 'sz'])}{r.randint(1, 99)}", f"{base}{base[:2]}{r.randint(10, 99)}"])

    def ip(self) -> str:
        r = self.r
        return r.choice([f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                         f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}",
                         f"203.0.113.{r.randint(1, 254)}", f"198.51.100.{r.randint(1, 254)}",
                         f"172.{r.randint(16, 31)}.{r.randint(0, 255)}.{r.randint(1, 254)}",
                         f"2001:db8:{r.randint(0, 65535):x}::{r.randint(1, 65535):x}"])

    def address(self) -> str:
        r = self.r
        city, state, zip_prefix = r.choice(self.cities)
        street = f"{r.randint(1, 9999)} {r.choice(self.streets)}"
        unit = r.choice(["", "", f", Suite {r.randint(100, 999)}", f", Apt {r.randint(1, 40)}{r.choice('ABCD')}",
                         f" Unit {r.randint(1, 30)}"])
        tail = r.choice([f", {city}, {state} {zip_prefix}{r.randint(10, 99)}", f", {city}, {state}", ""])
        return street + unit + tail

    def zh_address(self) -> str:
        r = self.r
        place = r.choice(self.zh_places)
        road = r.choice(self.zh_roads)
        tail = r.choice(["", f"{r.randint(1, 30)}栋{r.randint(101, 2808)}室", f"{r.randint(1, 12)}号楼{r.randint(1, 6)}单元"
                         f"{r.randint(101, 1805)}", f"{r.choice('ABCD')}座{r.randint(5, 38)}层", f"{r.randint(2, 20)}楼"])
        return f"{place}{road}{r.randint(1, 999)}号{tail}"

    # -- distractors (never PII) ----------------------------------------------------------------
    def order(self) -> str:
        r = self.r
        return r.choice([f"SO-{r.randint(2023, 2026)}-{r.randint(100, 99999):05d}", f"#A{r.randint(10000, 99999)}",
                         f"{r.randint(2023, 2026)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(100000, 999999)}",
                         f"PO {r.randint(4500000000, 4599999999)}", f"INV-{r.randint(2023, 2026)}-{r.randint(1, 9999):04d}",
                         f"LM{r.randint(10**9, 10**10)}"])

    def price(self) -> str:
        r = self.r
        return r.choice([f"${r.randint(1, 99)},{r.randint(0, 999):03d}.00", f"${r.randint(10, 999)}",
                         f"¥{r.randint(1, 99)},{r.randint(0, 999):03d}", f"USD {r.randint(1000, 99999):,}",
                         f"{r.randint(10, 999)}元", f"{r.randint(1, 50)}万元", f"€{r.randint(100, 9999)}"])

    def sku(self) -> str:
        r = self.r
        return r.choice([f"LX-PRO-{r.randint(100, 999)}", f"SKU {r.randint(10, 99)}-{r.randint(1000, 9999)}-"
                         f"{r.choice('ABCDE')}", f"LM-AI-{r.randint(1, 50):02d}", f"CN-CONN-{r.randint(100, 999)}"])

    def date(self) -> str:
        r = self.r
        y, m, d = r.randint(2024, 2027), r.randint(1, 12), r.randint(1, 28)
        months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December"]
        return r.choice([f"{y}-{m:02d}-{d:02d}", f"{months[m - 1]} {d}, {y}", f"{m}/{d}/{y}", f"{d} {months[m - 1]}",
                         f"{y}/{m:02d}/{d:02d}"])

    def zh_date(self) -> str:
        r = self.r
        y, m, d = r.randint(2024, 2027), r.randint(1, 12), r.randint(1, 28)
        return r.choice([f"{y}年{m}月{d}日", f"{m}月{d}号", f"{y}-{m:02d}-{d:02d}", f"{y}.{m}.{d}"])

    def qty(self) -> str:
        r = self.r
        return r.choice([f"{r.randint(5, 500)} seats", f"{r.randint(2, 40)} users", f"{r.randint(1, 5)} years",
                         f"{r.randint(10, 5000)} GB", f"{r.randint(1, 100)} licenses"])

    def zh_qty(self) -> str:
        r = self.r
        return r.choice([f"{r.randint(5, 500)}个账号", f"{r.randint(2, 40)}个用户", f"{r.randint(1, 5)}年",
                         f"{r.randint(10, 5000)}GB", f"{r.randint(1, 100)}套"])

    def serial(self) -> str:
        return self.bad_cn_id()

    def tracking(self) -> str:
        return self.bad_card()
