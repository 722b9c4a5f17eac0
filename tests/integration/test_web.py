"""`nianbao web` in a real headless browser (Debian's chromium and chromedriver, driven by
Selenium; nothing is downloaded): search a Chinese phrase, open a report, follow a finding to its
highlighted cell and see the PDF page with the cell's box, download the CSV. Screenshots are kept
in test-artefacts/web/ (NIANBAO_TEST_ARTEFACTS moves them) and checked to be non-blank."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from shared.config import load
from shared.report import Cell, Evidence, Finding
from shared.storage.base import ObjectMeta
from shared.storage.factory import open_object_store, open_search_store
from tests.support.servers_pg import free_port
from tests.support.storing import event

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTEFACTS = Path(os.environ.get("NIANBAO_TEST_ARTEFACTS", "test-artefacts")) / "web"
T3_ERROR = Finding(rule="T3-001", severity="error", message="new 12 + carried 0 ≠ results 10 + next 0",
                   cells=["applications.new_received.total", "applications.results_total.total"])  # fmt: skip
BOX = (100.0, 120.0, 160.0, 140.0)  # where the PDF below prints the number 12 (points, top-left)
# a scanned report's cells: one read by OCR, one withheld as unsure (score under the threshold)
OCR_4 = Cell(value=4, raw="4", kind="number", score=0.62,
             evidence=Evidence(kind="ocr", page=1, box=(90.0, 200.0, 120.0, 215.0)))  # fmt: skip
OCR_UNSURE = Cell(raw="", kind="unreadable", score=0.31, note="OCR score 0.31 under 0.5",
                  evidence=Evidence(kind="ocr", page=1, box=(90.0, 300.0, 120.0, 315.0)))  # fmt: skip


def a_pdf() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.setFont("Helvetica", 14)
    c.drawString(110, A4[1] - 136, "12")  # reportlab's origin is bottom-left
    c.rect(20, 20, A4[0] - 40, A4[1] - 40)
    c.save()
    return out.getvalue()


@pytest.fixture
def site(tmp_path):
    async def fill() -> None:
        store = await open_search_store(f"sqlite:///{tmp_path / 'index.db'}", load())
        named = Cell(
            value=12, raw="12", kind="number", evidence=Evidence(kind="pdf", page=1, box=BOX)
        )
        await store.upsert(event("aaaa1111", version="pdfv1", year=2021, new_received=named,
                                 findings=[T3_ERROR], status="invalid",
                                 text="本机关依申请公开工作规范有序，行政复议案件减少。"))  # fmt: skip
        await store.upsert(event("bbbb2222", year=2019, fmt="2019", new_received=OCR_4,
                                 fee=OCR_UNSURE, text="主动公开政府信息。"))  # fmt: skip
        await store.close()
        objects = await open_object_store(f"file://{tmp_path / 'objects'}")
        await objects.put_if_absent("raw/pdfv1", a_pdf(), ObjectMeta(key="", size=0))
        await objects.close()

    asyncio.run(fill())
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nianbao.cli.main", "web", "--data-dir", str(tmp_path), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/web", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(
                    f"nianbao web did not start: {proc.stderr.read() if proc.stderr else ''}"
                )
            time.sleep(0.3)
    yield base, tmp_path
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1600",
                 "--lang=zh-CN"):  # fmt: skip
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})  # fmt: skip
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


def screenshot(driver, name: str) -> Path:
    """Save a screenshot as a test artefact and check it shows something (many colours, not one)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    image = Image.open(path).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 8, f"{path} looks blank"
    assert image.size[0] > 200 and image.size[1] > 200
    return path


def test_a_reader_searches_opens_a_report_follows_a_finding_and_downloads_csv(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, _ = site
    wait = WebDriverWait(browser, 20)
    browser.get(base + "/web/search")
    box = wait.until(ec.presence_of_element_located((By.NAME, "q")))
    box.clear()
    box.send_keys("依申请公开工作")  # a phrase, segmented into words as `nianbao search` does
    box.submit()
    links = wait.until(ec.presence_of_all_elements_located((By.CSS_SELECTOR, "a.report-link")))
    assert [a.get_attribute("href").rsplit("/", 1)[1] for a in links] == ["aaaa1111"]
    screenshot(browser, "1-search")

    links[0].click()
    wait.until(ec.presence_of_element_located((By.ID, "findings")))
    assert "温州市鹿城区经济和信息化局2021年政府信息公开工作年度报告" in browser.title
    finding = browser.find_element(By.ID, "finding-0")
    assert "T3-001" in finding.text and "勾稽关系不成立" in finding.text
    screenshot(browser, "2-report")

    target = finding.find_element(By.CSS_SELECTOR, "a.cell-link")
    target.click()
    key = "applications.new_received.total"
    assert browser.current_url.endswith(f"#cell-{key}")
    assert browser.execute_script("return document.querySelector(':target').id") == f"cell-{key}"
    assert "hit" in browser.find_element(By.ID, f"cell-{key}").get_attribute("class")
    # the named cell with evidence: the PDF page rendered with its box
    assert browser.find_element(By.ID, f"cell-{key}").text == "12"
    image = browser.find_element(By.CSS_SELECTOR, ".evidence img")
    wait.until(
        lambda d: d.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", image
        )
    )
    assert browser.execute_script("return arguments[0].naturalWidth", image) > 1000
    screenshot(browser, "3-finding-cell")

    browser.find_element(By.ID, "csv").click()
    deadline = time.monotonic() + 20
    while not list(browser.downloads.glob("*.csv")) and time.monotonic() < deadline:
        time.sleep(0.2)
    (csv_file,) = browser.downloads.glob("*.csv")
    text = csv_file.read_text("utf-8")
    assert "本年新收政府信息公开申请数量 / 总计" in text
    assert all(line.split(",")[1] == "aaaa1111" for line in text.splitlines()[1:] if line)


def test_the_report_page_marks_cells_read_by_ocr_and_cells_withheld_as_unsure(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, _ = site
    browser.get(base + "/-/nianbao/report/bbbb2222")
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.ID, "legend")))
    read = browser.find_element(By.ID, "cell-applications.new_received.total")
    assert read.get_attribute("class").split() == ["num", "ocr"]
    assert read.text == "4ᵒ"
    assert "OCR 识别，置信度 0.62" in read.get_attribute("title")
    withheld = browser.find_element(
        By.ID, "cell-active_disclosure.administrative_fees.fee_amount_wan_yuan"
    )
    assert set(withheld.get_attribute("class").split()) == {"num", "unsure", "ocr"}
    assert withheld.text == "??ᵒ"
    assert "不确定：OCR score 0.31 under 0.5" in withheld.get_attribute("title")
    assert "置信度 0.31" in withheld.get_attribute("title")
    legend = browser.find_element(By.ID, "legend").text
    assert "2个单元格经OCR识别，1个不确定" in legend.replace(" ", "")
    # the list under the legend: lowest score first, each linking to its cell
    browser.find_element(By.CSS_SELECTOR, "#ocr-cells summary").click()
    items = browser.find_elements(By.CSS_SELECTOR, "#ocr-cells li")
    assert [i.text.rsplit(" ", 1)[-1] for i in items] == ["0.31", "0.62"]
    # a report without OCR has no legend
    browser.get(base + "/-/nianbao/report/aaaa1111")
    WebDriverWait(browser, 20).until(ec.presence_of_element_located((By.ID, "findings")))
    assert not browser.find_elements(By.ID, "legend")
    assert "ocr" not in browser.find_element(
        By.ID, "cell-applications.new_received.total"
    ).get_attribute("class")
    browser.get(base + "/-/nianbao/report/bbbb2222")
    screenshot(browser, "4-ocr-report")


def test_the_source_routes_serve_the_original_and_a_page_with_the_box(site):
    base, _ = site
    with urllib.request.urlopen(base + "/-/nianbao/source/aaaa1111") as r:
        assert r.read().startswith(b"%PDF")
        assert "attachment" in r.headers["content-disposition"]
    box = ",".join(f"{v:g}" for v in BOX)
    with urllib.request.urlopen(f"{base}/-/nianbao/page/aaaa1111/1.png?box={box}") as r:
        image = Image.open(io.BytesIO(r.read())).convert("RGB")
    # the box is drawn in red around (100,120)-(160,140) points at scale 2
    assert image.getpixel((100 * 2 - 2, 130 * 2))[0] > 200
    assert image.getpixel((100 * 2 - 2, 130 * 2))[1] < 100
    try:
        urllib.request.urlopen(base + "/-/nianbao/source/bbbb2222")
        raise AssertionError("no original: expected 404")
    except urllib.error.HTTPError as exc:
        assert exc.code == 404


def test_the_web_view_binds_to_loopback_and_is_read_only(site):
    base, tmp_path = site
    assert base.startswith("http://127.0.0.1:")
    req = urllib.request.Request(
        base + "/web/-/query", data=b"sql=DELETE+FROM+reports", method="POST"
    )
    try:
        urllib.request.urlopen(req)
    except urllib.error.HTTPError as exc:
        assert exc.code in (400, 403, 405)
    with urllib.request.urlopen(base + "/web/reports.json?_shape=array") as r:
        assert len(__import__("json").loads(r.read())) == 2


def test_the_snapshot_is_served_again_while_the_index_is_unchanged_and_rebuilt_when_it_changes(
    tmp_path, capsys
):
    from nianbao.cli.main import full_parser
    from nianbao.cli.web_cmd import prepare_snapshot

    async def upsert(*events) -> None:
        store = await open_search_store(f"sqlite:///{tmp_path / 'index.db'}", load())
        for e in events:
            await store.upsert(e)
        await store.close()

    asyncio.run(upsert(event("aaaa1111", year=2021), event("bbbb2222", year=2019, fmt="2019")))
    args = lambda *extra: full_parser().parse_args(["web", "--data-dir", str(tmp_path), *extra])  # noqa: E731
    db = tmp_path / "web.db"
    assert prepare_snapshot(args(), db) == 0
    assert "web: 2 report(s)" in capsys.readouterr().err
    built = db.stat().st_mtime_ns
    assert prepare_snapshot(args(), db) == 0
    assert "has not changed" in capsys.readouterr().err
    assert db.stat().st_mtime_ns == built  # not rewritten
    assert prepare_snapshot(args("--rebuild"), db) == 0
    assert "web: 2 report(s)" in capsys.readouterr().err

    asyncio.run(upsert(event("cccc3333", year=2022)))
    assert prepare_snapshot(args("--reuse"), db) == 0  # as it is, without looking
    capsys.readouterr()
    assert prepare_snapshot(args(), db) == 0
    assert "web: 3 report(s)" in capsys.readouterr().err
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM reports").fetchone() == (3,)
    conn.close()
