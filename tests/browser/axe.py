"""axe-core (bundled by axe-playwright-python) with the WCAG 2.1 A and AA rules."""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()
OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def assert_accessible(page) -> None:
    results = _axe.run(page, options=OPTIONS)
    violations = results.response.get("violations", [])
    if violations:
        lines = [f"{page.url}: {len(violations)} axe violation(s)"]
        for v in violations:
            targets = ", ".join(str(n.get("target")) for n in v.get("nodes", [])[:3])
            lines.append(f"- {v['id']} ({v.get('impact')}): {v.get('help')} at {targets}")
        raise AssertionError("\n".join(lines))
