"""The client council's report reveals nobody: an attacker who knows every shown figure, every
row and column total, the rule ("<10" is 0..9, "x" is 10 or more) and every other quarter tries to
work out each hidden cell exactly, and must fail. Also: the council sees only this report."""
from __future__ import annotations

import random

import pytest

from accounts.models import Role
from reports import council, periods
from reports.suppression import suppress
from reports.tables import HIDDEN, SUPPRESSED

CAP = 10**6


def _equations(rows: int, cols: int):
    """Each line of the extended grid: its cells add up to its last cell."""
    lines = [[(i, j) for j in range(cols)] for i in range(rows)] + [[(i, j) for i in range(rows)] for j in range(cols)]
    return [[(cell, 1) for cell in line[:-1]] + [(line[-1], -1)] for line in lines]


def _propagate(domains, equations, shown) -> bool:
    changed = True
    while changed:
        changed = False
        for eq in equations:
            known = sum(c * shown[cell] for cell, c in eq if cell in shown)
            unknown = [(cell, c) for cell, c in eq if cell not in shown]
            for cell, c in unknown:
                rest = [(o, k) for o, k in unknown if o != cell]
                low = sum(k * (domains[o][0] if k > 0 else domains[o][1]) for o, k in rest)
                high = sum(k * (domains[o][1] if k > 0 else domains[o][0]) for o, k in rest)
                # c * x = -(known + rest)
                bounds = sorted(((-(known + high)) * c, (-(known + low)) * c))  # c is +1 or -1
                lo, hi = max(domains[cell][0], bounds[0]), min(domains[cell][1], bounds[1])
                if lo > hi:
                    return False
                if (lo, hi) != domains[cell]:
                    domains[cell] = (lo, hi)
                    changed = True
    return True


def _feasible(domains, equations, shown) -> bool:
    domains = dict(domains)
    if not _propagate(domains, equations, shown):
        return False
    open_cells = [c for c, (lo, hi) in domains.items() if lo < hi]
    if not open_cells:
        return True
    cell = min(open_cells, key=lambda c: domains[c][1] - domains[c][0])
    lo, hi = domains[cell]
    mid = (lo + hi) // 2
    return any(_feasible({**domains, cell: part}, equations, shown) for part in ((lo, mid), (mid + 1, hi)))


def reconstructed(published: list[list]) -> list[tuple[int, int]]:
    """The hidden cells whose value the attacker can pin down exactly (integer reasoning, exact)."""
    rows, cols = len(published), len(published[0])
    shown = {(i, j): v for i in range(rows) for j in range(cols) if isinstance(v := published[i][j], int)}
    domains = {(i, j): ((0, 9) if published[i][j] == SUPPRESSED else (10, CAP))
               for i in range(rows) for j in range(cols) if (i, j) not in shown}
    equations = _equations(rows, cols)
    found = []
    for cell in domains:
        probe = dict(domains)
        assert _propagate(probe, equations, shown), "the published table must be consistent"
        lo, hi = probe[cell]
        # Exact: is any value other than the lowest feasible one possible?
        low = next(v for v in range(lo, min(hi, lo + 50) + 1) if _feasible({**domains, cell: (v, v)}, equations, shown))
        if not _feasible({**domains, cell: (low + 1, hi)}, equations, shown) if low < hi else True:
            found.append(cell)
    return found


def _publish(values):
    grid, marks = suppress(values)
    return [[SUPPRESSED if m == "primary" else HIDDEN if m == "secondary" else v for v, m in zip(r, mr, strict=True)]
            for r, mr in zip(grid, marks, strict=True)]


def test_the_attacker_works_on_an_unprotected_table():
    # Only primary suppression: 9 + 9 = 18 gives both cells away; a lone small cell follows from its total.
    assert reconstructed([[SUPPRESSED, SUPPRESSED, 18], [20, 30, 50], [29, 39, 68]]) == [(0, 0), (0, 1)]
    assert (0, 0) in reconstructed([[SUPPRESSED, 40, 45], [30, 50, 80], [35, 90, 125]])


@pytest.mark.parametrize("values", [[[9, 9], [20, 30]], [[5, 40], [30, 50]], [[0, 12, 30], [15, 22, 41], [33, 18, 25]],
                                    [[3, 4, 50], [60, 2, 70], [80, 90, 1]], [[1]], [[50, 60], [70, 80]]])
def test_no_suppressed_cell_can_be_reconstructed(values):
    published = _publish(values)
    assert reconstructed(published) == []


def test_random_tables_are_protected():
    rng = random.Random(13)
    for _n in range(60):
        rows, cols = rng.randint(1, 4), rng.randint(2, 4)
        values = [[rng.choice((0, 1, 3, 7, 9, 10, 12, 25, 60)) for _c in range(cols)] for _r in range(rows)]
        published = _publish(values)
        assert reconstructed(published) == [], f"{values} -> {published}"


def test_the_council_report_hides_every_small_cell_for_good(world):
    # Every referral of the data set is in one quarter; the others are empty. Fixed, non-overlapping
    # quarters only: no shown period holds another, so no difference of two periods says anything.
    quarters = council.quarters()
    for a in quarters:
        for b in quarters:
            assert a is b or a.end <= b.start or b.end <= a.start
    assert all(q.kind == "quarter" and q.end <= periods.local_today() for q in quarters)
    q1 = periods.quarter(2026, 1)
    tables = council.council_report(q1)
    assert tables and all(t.note for t in tables)
    hidden = 0
    for t in tables:
        published = [row[1:] for row in t.all_rows]
        if not published:
            continue
        for row in published:
            for cell in row:
                assert cell in (SUPPRESSED, HIDDEN) or cell >= 10, f"{t.key}: {cell} shown"
        hidden += sum(cell in (SUPPRESSED, HIDDEN) for row in published for cell in row)
        assert reconstructed(published) == [], t.key
    assert hidden > 0


def test_the_council_sees_only_its_report(app, client, login, world):
    login(client, world.council)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/rapportage/clientenraad"' in home and "Rapportage" in home
    page = client.get("/rapportage/clientenraad?kwartaal=2026-K1")
    assert page.status_code == 200
    assert "Aantallen onder de 10" in page.get_data(as_text=True)
    assert client.get("/rapportage/clientenraad?kwartaal=2026-03").status_code == 422  # no month, no custom range
    assert "Kies een kwartaal" in client.get("/rapportage/clientenraad?kwartaal=2026-03").get_data(as_text=True)
    csv = client.get("/rapportage/clientenraad/csv/verwijzingen?kwartaal=2026-K1")
    assert csv.status_code == 200 and csv.get_data().startswith(b"\xef\xbb\xbf")
    own = {"site.home", "accounts.account", "accounts.logout", "reports.council_report", "reports.council_csv",
           "accounts.change_password", "accounts.two_factor_setup", "accounts.two_factor", "accounts.confirm_identity"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in own or rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        url = rule.build({arg: 999999 for arg in rule.arguments}, append_unknown=False)[1]
        status = client.get(url).status_code
        from accounts.policy import PUBLIC, policy_for
        if policy_for(app.view_functions[rule.endpoint]).roles == PUBLIC:
            continue
        assert status in (403, 404), f"the council reached {rule.endpoint}: {status}"


def test_other_roles_do_not_get_the_council_report(client, login, factory):
    login(client, factory.user(Role.LEAD))
    assert client.get("/rapportage/clientenraad").status_code == 403
