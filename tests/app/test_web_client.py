"""The web client's page and font manifest are ours (assets/index.html and
assets/assets/FontManifest.json, served by Flet in place of its own): each is Flet's, plus what
we add, so a Flet upgrade that changes Flet's copy fails here instead of silently losing ours."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import flet_web

from app.services.files import UPLOAD_PLAN_KEY

ASSETS = Path(__file__).resolve().parents[2] / "assets"
FLET_WEB = Path(flet_web.__file__).resolve().parent / "web"


def test_the_page_is_flets_with_a_content_security_policy() -> None:
    ours = (ASSETS / "index.html").read_text(encoding="utf-8")
    added = re.search(r"  <!-- 掌上查:.*?-->\n  <meta http-equiv=\"Content-Security-Policy\"[^>]*>\n",
                      ours, re.DOTALL)
    preloads = re.search(r"  <script>\n    // 掌上查: fetch now.*?</script>\n\n", ours, re.DOTALL)
    sends = re.search(r"  <script>\n    // 掌上查: a picked photo.*?</script>\n\n", ours, re.DOTALL)
    assert added is not None and preloads is not None and sends is not None
    assert (ours.replace(added[0], "").replace(preloads[0], "").replace(sends[0], "")
            == (FLET_WEB / "index.html").read_text(encoding="utf-8"))


def test_the_page_sends_picked_photos_where_the_app_said_and_nowhere_else() -> None:
    """The script that sends picked files reads the plan under the app's key (as Flutter's
    local storage keeps it, bare or ``flutter.``-prefixed) and sends only to this page's own
    origin (app/services/files.py; the browser test sends a photo through it)."""
    page = (ASSETS / "index.html").read_text(encoding="utf-8")
    script = page[page.index("// 掌上查: a picked photo"):]
    script = script[:script.index("</script>")]
    assert f'const KEY = "{UPLOAD_PLAN_KEY}";' in script
    assert "`flutter.${KEY}`" in script
    assert "origin === location.origin" in script and "!own(chosen.urls[i])" in script
    assert 'method: "PUT", body: files[i]' in script  # the File itself: the browser streams it


def test_what_the_page_preloads_is_what_the_engine_asks_for() -> None:
    """The early fetches name the manifest's fonts and files the web client serves: a wrong
    name would download a file twice, or one nobody uses."""
    page = (ASSETS / "index.html").read_text(encoding="utf-8")
    script = page[page.index("// 掌上查: fetch now"):]
    script = script[:script.index("</script>")]
    fonts = set(re.findall(r'"((?:assets/)?fonts/[^"]+)"', script))
    manifest = json.loads((ASSETS / "assets" / "FontManifest.json").read_text())
    wanted = {os.path.normpath(f"assets/{font['asset']}") for family in manifest for font in family["fonts"]}
    assert fonts == wanted - {"assets/packages/cupertino_icons/assets/CupertinoIcons.ttf"}
    for font in fonts:
        assert (ASSETS / font).is_file() or (FLET_WEB / font).is_file(), font
    assert "preload(\"main.dart.wasm\")" in script and (FLET_WEB / "main.dart.wasm").is_file()
    for engine in ("skwasm", "skwasm_heavy"):
        assert engine in script and (FLET_WEB / "canvaskit" / f"{engine}.wasm").is_file()


def test_the_policy_names_no_other_host() -> None:
    policy = re.search(r'Content-Security-Policy" content="([^"]*)"',
                       (ASSETS / "index.html").read_text(encoding="utf-8"))
    assert policy is not None
    sources = {word for directive in policy[1].split(";") for word in directive.split()[1:]}
    assert sources <= {"'self'", "'unsafe-inline'", "'wasm-unsafe-eval'", "data:", "blob:"}


def test_the_font_manifest_keeps_flets_icons_and_adds_the_cjk_font() -> None:
    ours = {f["family"]: f["fonts"] for f in json.loads((ASSETS / "assets" / "FontManifest.json").read_text())}
    flets = {f["family"]: f["fonts"] for f in json.loads((FLET_WEB / "assets" / "FontManifest.json").read_text())}
    for family in ("MaterialIcons", "packages/cupertino_icons/CupertinoIcons"):
        assert ours.pop(family) == flets[family]
    assert ours == {"CJK": [{"asset": "../fonts/ZSCSans-Regular.otf"},
                            {"weight": 700, "asset": "../fonts/ZSCSans-Bold.otf"}]}
    for font in ours["CJK"]:
        assert (ASSETS / "assets" / str(font["asset"])).resolve().is_file()


def test_the_page_loads_no_script_from_another_host_and_preloads_the_loaders_modules() -> None:
    """Issue 24 point 9: Flet's client appends a <script> for Rive's runtime from a CDN on every
    load; the page keeps a foreign address off every script (so no request at all, not even one
    the policy refuses), and fetches the two modules the loader imports before compiling."""
    page = (ASSETS / "index.html").read_text(encoding="utf-8")
    script = page[page.index("// 掌上查: fetch now"):]
    script = script[:script.index("</script>")]
    assert 'Object.defineProperty(HTMLScriptElement.prototype, "src"' in script
    assert "Element.prototype.setAttribute = function" in script
    assert 'link.rel = "modulepreload"' in script and '"main.dart.mjs"' in script
    assert (FLET_WEB / "main.dart.mjs").is_file()
    for engine in ("skwasm", "skwasm_heavy"):
        assert (FLET_WEB / "canvaskit" / f"{engine}.js").is_file()
