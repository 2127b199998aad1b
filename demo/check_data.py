#!/usr/bin/env python3
"""Validate convene's framework presets (presets/*.toml) and demo data (demo/demo.toml).

Usage: python3 demo/check_data.py [REPO_ROOT]

Prints every problem found and a short summary; exits 1 if there were problems.
Needs Python 3.11+ (tomllib).
"""
import collections
import datetime
import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent
PRESETS_DIR = ROOT / "presets"
DEMO = ROOT / "demo" / "demo.toml"

EXPECTED_CYCLES = {
    "km4dev-experiment": ["immediate", "potential", "applied", "realized"],
    "wt-2011": ["immediate", "potential", "applied", "realized", "reframing"],
    "wt-2020": ["immediate", "potential", "applied", "realized", "transformative",
                "strategic", "enabling", "orienting"],
}
SUPPORTING = {"wt-2020": {"strategic", "enabling", "orienting"}}
REQUIRED_INDICATORS = {
    ("wt-2011", "potential"): {"human_capital", "social_capital", "tangible_capital",
                               "reputational_capital", "learning_capital"},
}
CYCLE_KEY = re.compile(r"^[a-z_]+$")
INDICATOR_KEY = re.compile(r"^[a-z0-9_]+$")
PRESET_KEY = re.compile(r"^[a-z0-9-]+$")
EMAIL_DOMAIN = "@demo.convene.example"
HOME = re.compile(r"^[^,]+, [A-Z]{2}$")
LANGUAGES = {"en", "fr", "es", "pt"}
# Languages a preset carries besides English (its own fields), each in a block of the
# same name with the same text fields; every preset has every text in each of them.
TEXT_LANGUAGES = ("fr", "es", "pt")
VISIBILITIES = {"public", "community", "stewards"}
MODES = {"in_person", "virtual", "hybrid"}
STATUSES = {"idea", "planned", "held", "closed"}
KINDS = {"realized", "aspirational"}
ROLES = {"steward", "member"}

problems = []


def problem(where, msg):
    problems.append(f"{where}: {msg}")


def check_fields(where, table, required, optional=()):
    """Check required fields exist with the right type, and no unknown fields."""
    if not isinstance(table, dict):
        problem(where, "expected a table")
        return False
    ok = True
    for name, typ in required.items():
        if name not in table:
            problem(where, f"missing field '{name}'")
            ok = False
        elif not isinstance(table[name], typ) or (typ is int and isinstance(table[name], bool)):
            problem(where, f"field '{name}' should be {typ.__name__}, got {type(table[name]).__name__}")
            ok = False
        elif typ is str and not table[name].strip():
            problem(where, f"field '{name}' is empty")
            ok = False
    known = set(required) | set(optional)
    for name in table:
        if name not in known:
            problem(where, f"unknown field '{name}'")
    return ok


def parse_date(where, value):
    if not isinstance(value, str):
        problem(where, f"date should be a string 'YYYY-MM-DD', got {value!r}")
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        problem(where, f"invalid date {value!r}")
        return None


def load(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        problem(str(path), f"cannot read: {e}")
        return None


# ---------------------------------------------------------------------------
# Presets
# ---------------------------------------------------------------------------

def check_texts(where, item, fields, questions=None):
    """Each language block of an item has every text of `fields` (and, for a cycle, one
    question per English question)."""
    for lang in TEXT_LANGUAGES:
        lw = f"{where} [{lang}]"
        block = item.get(lang)
        if block is None:
            problem(lw, "missing texts in this language")
            continue
        required = {f: str for f in fields}
        if questions is not None:
            required["questions"] = list
        if not check_fields(lw, block, required):
            continue
        if questions is not None:
            qs = block["questions"]
            if len(qs) != len(questions):
                problem(lw, f"{len(qs)} questions, but {len(questions)} in English")
            for q in qs:
                if not isinstance(q, str) or not q.strip():
                    problem(lw, f"bad question {q!r}")


def check_preset(path):
    data = load(path)
    if data is None:
        return None
    where = path.name
    check_fields(where, data, {"key": str, "name": str, "description": str, "source": str,
                               "cycles": list}, optional=TEXT_LANGUAGES)
    check_texts(where, data, ("name", "description"))
    key = data.get("key")
    if isinstance(key, str):
        if not PRESET_KEY.match(key):
            problem(where, f"preset key {key!r} is not lowercase ascii")
        if path.stem != key:
            problem(where, f"key {key!r} does not match file name")
    cycles = {}
    order = []
    indicator_keys = collections.Counter()
    for i, cycle in enumerate(data.get("cycles", [])):
        cw = f"{where} cycles[{i}]"
        if not check_fields(cw, cycle, {"key": str, "name": str, "role": str, "definition": str,
                                        "questions": list}, optional=("indicators",) + TEXT_LANGUAGES):
            if not isinstance(cycle, dict) or "key" not in cycle:
                continue
        ck = cycle.get("key")
        cw = f"{where} cycle '{ck}'"
        if not isinstance(ck, str) or not CYCLE_KEY.match(ck):
            problem(cw, "cycle key must match [a-z_]+")
        if ck in cycles:
            problem(cw, "duplicate cycle key")
        if cycle.get("role") not in ("flow", "supporting"):
            problem(cw, f"role must be 'flow' or 'supporting', got {cycle.get('role')!r}")
        questions = cycle.get("questions", [])
        check_texts(cw, cycle, ("name", "definition"), questions if isinstance(questions, list) else [])
        if isinstance(questions, list):
            if not 2 <= len(questions) <= 4:
                problem(cw, f"expected 2-4 questions, got {len(questions)}")
            for q in questions:
                if not isinstance(q, str) or not q.strip():
                    problem(cw, f"bad question {q!r}")
        inds = cycle.get("indicators", [])
        if not isinstance(inds, list) or not inds:
            problem(cw, "no indicators")
            inds = []
        keys = set()
        for j, ind in enumerate(inds):
            iw = f"{cw} indicators[{j}]"
            check_fields(iw, ind, {"key": str, "name": str, "description": str},
                         optional=("connections",) + TEXT_LANGUAGES)
            ik = ind.get("key") if isinstance(ind, dict) else None
            if isinstance(ind, dict):
                check_texts(f"{cw} indicator '{ik}'", ind, ("name", "description"))
            if isinstance(ik, str):
                if not INDICATOR_KEY.match(ik):
                    problem(iw, f"indicator key {ik!r} must match [a-z0-9_]+")
                indicator_keys[ik] += 1
                keys.add(ik)
        cycles[ck] = {"role": cycle.get("role"), "indicators": keys}
        order.append(ck)
    for ik, n in indicator_keys.items():
        if n > 1:
            problem(where, f"indicator key '{ik}' used {n} times (must be unique within a preset)")
    if key in EXPECTED_CYCLES and order != EXPECTED_CYCLES[key]:
        problem(where, f"cycles should be {EXPECTED_CYCLES[key]}, got {order}")
    supporting = SUPPORTING.get(key, set())
    for ck, c in cycles.items():
        expected_role = "supporting" if ck in supporting else "flow"
        if c["role"] != expected_role:
            problem(f"{where} cycle '{ck}'", f"role should be '{expected_role}'")
    for (pk, ck), required in REQUIRED_INDICATORS.items():
        if pk == key:
            missing = required - cycles.get(ck, {}).get("indicators", set())
            if missing:
                problem(f"{where} cycle '{ck}'", f"missing indicators {sorted(missing)}")
    return key, order, cycles


# ---------------------------------------------------------------------------
# Demo data
# ---------------------------------------------------------------------------

def check_demo(presets):
    data = load(DEMO)
    if data is None:
        return None
    where = "demo.toml"
    check_fields(where, data, {"community": dict, "members": list, "convenings": list,
                               "stories": list}, ("comments",))
    community = data.get("community", {})
    check_fields(f"{where} [community]", community,
                 {"slug": str, "name": str, "description": str, "preset": str})
    preset_key = community.get("preset")
    if preset_key not in presets:
        problem(f"{where} [community]", f"unknown preset {preset_key!r}")
        return None
    _, order, cycles = presets[preset_key]
    rank = {c: i for i, c in enumerate(order)}

    # Members
    members = {}
    stewards = []
    for i, m in enumerate(data.get("members", [])):
        mw = f"{where} members[{i}]"
        check_fields(mw, m, {"name": str, "email": str, "role": str, "home": str})
        email = m.get("email", "")
        if not isinstance(email, str) or not email.endswith(EMAIL_DOMAIN) or email.count("@") != 1:
            problem(mw, f"email {email!r} must end with {EMAIL_DOMAIN}")
        elif not re.fullmatch(r"[a-z0-9._-]+" + re.escape(EMAIL_DOMAIN), email):
            problem(mw, f"email {email!r} should be lowercase ascii")
        if email in members:
            problem(mw, f"duplicate email {email!r}")
        members[email] = m
        if m.get("role") not in ROLES:
            problem(mw, f"role must be one of {sorted(ROLES)}")
        if m.get("role") == "steward":
            stewards.append(email)
        if isinstance(m.get("home"), str) and not HOME.match(m["home"]):
            problem(mw, f"home {m['home']!r} should look like 'City, CC' (ISO2 code)")
    if stewards != ["steward" + EMAIL_DOMAIN]:
        problem(where, f"expected exactly one steward, steward{EMAIL_DOMAIN}; got {stewards}")
    names = collections.Counter(m.get("name") for m in members.values())
    for n, c in names.items():
        if c > 1:
            problem(where, f"member name {n!r} used {c} times")

    # Convenings
    convenings = {}
    for i, c in enumerate(data.get("convenings", [])):
        cw = f"{where} convenings[{i}]"
        check_fields(cw, c, {"ref": str, "title": str, "mode": str, "starts_on": str,
                             "ends_on": str, "place": str, "status": str, "description": str,
                             "participants": list, "guests": list},
                     optional=("aspirations", "costs", "observations"))
        ref = c.get("ref")
        cw = f"{where} convening '{ref}'"
        if ref in convenings:
            problem(cw, "duplicate ref")
        if c.get("mode") not in MODES:
            problem(cw, f"mode must be one of {sorted(MODES)}")
        if c.get("status") not in STATUSES:
            problem(cw, f"status must be one of {sorted(STATUSES)}")
        if c.get("mode") == "virtual" and c.get("place") != "Online":
            problem(cw, "virtual convenings should have place = 'Online'")
        start = parse_date(cw + " starts_on", c.get("starts_on"))
        end = parse_date(cw + " ends_on", c.get("ends_on"))
        if start and end and end < start:
            problem(cw, "ends_on is before starts_on")
        parts = c.get("participants", [])
        if len(set(parts)) != len(parts):
            problem(cw, "duplicate participants")
        for p in parts:
            if p not in members:
                problem(cw, f"participant {p!r} is not a member")
        guests = c.get("guests", [])
        if len(guests) > 2:
            problem(cw, f"{len(guests)} guests (expected 0-2)")
        for g in guests:
            if not isinstance(g, str) or not g.strip():
                problem(cw, f"bad guest {g!r}")
            elif g in names:
                problem(cw, f"guest {g!r} is a member")
        if len(set(guests)) != len(guests):
            problem(cw, "duplicate guests")
        for j, a in enumerate(c.get("aspirations", [])):
            aw = f"{cw} aspirations[{j}]"
            check_fields(aw, a, {"cycle": str, "text": str})
            if a.get("cycle") not in cycles:
                problem(aw, f"unknown cycle {a.get('cycle')!r} for preset {preset_key}")
        indicators = {i for cy in cycles.values() for i in cy["indicators"]}
        for j, o in enumerate(c.get("observations", [])):
            ow = f"{cw} observations[{j}]"
            check_fields(ow, o, {"indicator": str, "value": str, "unit": str, "observed_on": str, "source": str, "note": str})
            if indicators is not None and o.get("indicator") not in indicators:
                problem(ow, f"unknown indicator {o.get('indicator')!r}")
        if "costs" in c:
            check_fields(f"{cw} costs", c["costs"], {"currency": str, "travel": str, "venue": str, "other": str, "co2_kg": str})
        convenings[ref] = {"start": start, "end": end, "participants": set(parts),
                           "guests": set(guests)}

    # Stories
    for i, s in enumerate(data.get("stories", [])):
        sw = f"{where} stories[{i}]"
        check_fields(sw, s, {"convening": str, "title": str, "language": str,
                             "visibility": str, "show_name": bool, "created_on": str,
                             "steps": list}, optional=("teller", "guest", "outcomes"))
        for j, o in enumerate(s.get("outcomes", [])):
            ow = f"{sw} outcomes[{j}]"
            check_fields(ow, o, {"cycle": str, "status": str, "text": str})
            if o.get("status") not in ("happened", "changed", "not_yet", "dropped"):
                problem(ow, f"unknown status {o.get('status')!r}")
            hoped = [st.get("cycle") for st in s.get("steps", []) if st.get("kind") == "aspirational"]
            if o.get("cycle") not in hoped:
                problem(ow, f"the story hopes for nothing in cycle {o.get('cycle')!r}")
        sw = f"{where} story '{s.get('title')}'"
        conv = convenings.get(s.get("convening"))
        if conv is None:
            problem(sw, f"unknown convening {s.get('convening')!r}")
        has_teller, has_guest = "teller" in s, "guest" in s
        if has_teller == has_guest:
            problem(sw, "needs exactly one of 'teller' or 'guest'")
        if conv is not None:
            if has_teller and s["teller"] not in conv["participants"]:
                problem(sw, f"teller {s['teller']!r} is not a participant of {s['convening']}")
            if has_guest and s["guest"] not in conv["guests"]:
                problem(sw, f"guest {s['guest']!r} is not a guest of {s['convening']}")
        if s.get("language") not in LANGUAGES:
            problem(sw, f"language must be one of {sorted(LANGUAGES)}")
        if s.get("visibility") not in VISIBILITIES:
            problem(sw, f"visibility must be one of {sorted(VISIBILITIES)}")
        created = parse_date(sw + " created_on", s.get("created_on"))
        if created and conv and conv["start"] and created < conv["start"]:
            problem(sw, "created_on is before the convening started")
        if created and created > datetime.date.today():
            problem(sw, "created_on is in the future")
        steps = s.get("steps", [])
        if not steps:
            problem(sw, "no steps")
        last_rank = -1
        seen_aspirational = False
        for j, st in enumerate(steps):
            stw = f"{sw} steps[{j}]"
            check_fields(stw, st, {"cycle": str, "kind": str, "text": str, "indicators": list})
            cyc = st.get("cycle")
            if cyc not in cycles:
                problem(stw, f"unknown cycle {cyc!r}")
                continue
            if rank[cyc] <= last_rank:
                problem(stw, f"cycle {cyc!r} out of framework order or repeated")
            last_rank = rank[cyc]
            kind = st.get("kind")
            if kind not in KINDS:
                problem(stw, f"kind must be one of {sorted(KINDS)}")
            if kind == "aspirational":
                seen_aspirational = True
            elif seen_aspirational:
                problem(stw, "realized step after an aspirational one")
            inds = st.get("indicators", [])
            if len(inds) > 3:
                problem(stw, f"{len(inds)} indicators (max 3)")
            if len(set(inds)) != len(inds):
                problem(stw, "duplicate indicators")
            for ind in inds:
                if ind not in cycles[cyc]["indicators"]:
                    problem(stw, f"indicator {ind!r} is not in cycle {cyc!r} of {preset_key}")
    # Comments: on a story (by its position), a convening or the framework; replies
    # answer an earlier top-level comment on the same thing; authors are members.
    stories = data.get("stories", [])
    comments = data.get("comments", [])
    for i, c in enumerate(comments):
        cw = f"{where} comments[{i}]"
        check_fields(cw, c, {"on": str, "author": str, "text": str}, ("story", "convening", "reply_to"))
        on = c.get("on")
        if on == "story":
            n = c.get("story")
            if not isinstance(n, int) or not 0 <= n < len(stories):
                problem(cw, f"no story {n!r}")
            elif stories[n].get("visibility") != "public":
                problem(cw, "demo comments go on public stories only")
        elif on == "convening":
            if c.get("convening") not in convenings:
                problem(cw, f"unknown convening {c.get('convening')!r}")
        elif on != "framework":
            problem(cw, f"'on' must be story, convening or framework, not {on!r}")
        if c.get("author") not in members:
            problem(cw, f"author {c.get('author')!r} is not a member")
        if "reply_to" in c:
            r = c["reply_to"]
            if not isinstance(r, int) or not 0 <= r < i or "reply_to" in comments[r]:
                problem(cw, "reply_to must name an earlier top-level comment")
            elif any(comments[r].get(k) != c.get(k) for k in ("on", "story", "convening")):
                problem(cw, "a reply must be on the same thing as the comment it answers")
    return data


def summary(data):
    stories = data.get("stories", [])
    print(f"members: {len(data.get('members', []))}, convenings: {len(data.get('convenings', []))}, "
          f"stories: {len(stories)}")
    for c in data.get("convenings", []):
        n = sum(1 for s in stories if s.get("convening") == c.get("ref"))
        print(f"  {c.get('ref')}: {c.get('mode')}, {len(c.get('participants', []))} participants, "
              f"{len(c.get('guests', []))} guests, {len(c.get('aspirations', []))} aspirations, "
              f"{n} stories")

    def count(label, values):
        items = ", ".join(f"{k}={v}" for k, v in sorted(collections.Counter(values).items()))
        print(f"  {label}: {items}")

    count("language", [s.get("language") for s in stories])
    count("visibility", [s.get("visibility") for s in stories])
    count("show_name", [str(s.get("show_name")).lower() for s in stories])
    count("starting cycle", [s["steps"][0].get("cycle") for s in stories if s.get("steps")])
    count("last cycle", [s["steps"][-1].get("cycle") for s in stories if s.get("steps")])
    count("steps per cycle", [st.get("cycle") for s in stories for st in s.get("steps", [])])
    count("ending", ["aspirational" if any(st.get("kind") == "aspirational" for st in s.get("steps", []))
                     else "realized" for s in stories])


def main():
    paths = sorted(PRESETS_DIR.glob("*.toml"))
    if not paths:
        problem(str(PRESETS_DIR), "no presets found")
    presets = {}
    for path in paths:
        result = check_preset(path)
        if result:
            key, order, cycles = result
            if key in presets:
                problem(path.name, f"duplicate preset key {key!r}")
            presets[key] = result
            n_ind = sum(len(c["indicators"]) for c in cycles.values())
            print(f"preset {key}: {len(order)} cycles, {n_ind} indicators")
    for key in EXPECTED_CYCLES:
        if key not in presets:
            problem(str(PRESETS_DIR), f"preset {key!r} missing")
    data = check_demo(presets)
    if data:
        summary(data)
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print("  - " + p)
        return 1
    print("\nOK: no problems found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
