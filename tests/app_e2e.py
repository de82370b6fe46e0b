#!/usr/bin/env python3
"""End to end on the real app: a real gocua-server on 127.0.0.1, the Tauri
app (gocua-app) under Xvfb driven over WebDriver (tauri-driver +
WebKitWebDriver). Enrolls, sets the PIN, adds a household with Vietnamese
names, finds it by a search without diacritics, logs a visit with two
actions, syncs, marks the household "needs fix" as the team's leader and
sees it come back resolved from a member's device, and checks that the server has them through a second device
(the gocua CLI) that pulls them. Screenshots of the main screens go to
artifacts/; figures (cold start, wasm size, memory) to artifacts/figures.json.

Run by scripts/test.sh after the builds:
    xvfb-run -a -s "-screen 0 1280x900x24" python3 tests/app_e2e.py
"""

import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
# GOCUA_E2E_BIN: another build's binaries (e.g. to see a new check fail on
# the code before its fix).
BIN = Path(os.environ.get("GOCUA_E2E_BIN", ROOT / "target" / "debug"))
ART = ROOT / "artifacts"
PIN = "246810"
HEAD = "Nguyễn Thị Đào"
SEARCH = "nguyen thi dao"
HELD = "Hà Thị Lan"
FIX = "Sai số nhà: là số 7, không phải số 5"
REPLY = "Đã hỏi lại bà Đào: đúng là số 5"


def log(msg):
    print(f"e2e: {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_json(args, env=None):
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=env, timeout=120)
    return json.loads(out.stdout)


class Procs:
    """Processes this test started; each stopped by its own id."""

    def __init__(self):
        self.procs = []

    def start(self, args, **kw):
        p = subprocess.Popen(args, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)


def start_server(procs, data):
    p = procs.start(
        [str(BIN / "gocua-server"), "serve", "--data", str(data), "--bind", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            if p.poll() is not None:
                raise SystemExit("e2e: the server stopped before listening")
            continue
        m = re.search(r"listening on (https://\S+) fingerprint ([0-9a-f]{64})", line)
        if m:
            return m.group(1), m.group(2)
    raise SystemExit("e2e: the server did not say where it listens")


def rss_kib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def app_processes(app):
    """The app process and its WebKit helpers (children of it)."""
    found = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            exe = os.readlink(d / "exe")
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        found[int(d.name)] = (exe, ppid)
    main = [pid for pid, (exe, _) in found.items() if exe == str(app)]
    helpers = [pid for pid, (exe, ppid) in found.items() if ppid in main and "WebKit" in exe]
    return main, helpers


class App:
    def __init__(self, driver):
        self.d = driver
        self.shots = []

    def wait(self, css, timeout=30):
        return WebDriverWait(self.d, timeout).until(
            EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def wait_text(self, css, text, timeout=30):
        WebDriverWait(self.d, timeout).until(
            EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))

    def click(self, css, timeout=30):
        el = WebDriverWait(self.d, timeout).until(
            EC.element_to_be_clickable((By.CSS_SELECTOR, css)))
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
        el.click()
        return el

    def click_text(self, tag, text, timeout=30):
        xpath = f"//{tag}[contains(normalize-space(.), '{text}')]"
        el = WebDriverWait(self.d, timeout).until(EC.element_to_be_clickable((By.XPATH, xpath)))
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
        el.click()
        return el

    def type(self, css, text):
        el = self.wait(css)
        el.clear()
        el.send_keys(text)
        return el

    def shot(self, name):
        ART.mkdir(exist_ok=True)
        path = ART / f"{len(self.shots) + 1:02d}-{name}.png"
        time.sleep(0.4)
        self.d.save_screenshot(str(path))
        self.shots.append(path.name)
        log(f"screenshot {path.relative_to(ROOT)}")


# Checks at 360 px (issue 17): what a member's thumb and eyes meet.
TAP_BELOW = """
const el = arguments[0];
el.scrollIntoView({block: 'center'});
const range = document.createRange();
range.selectNodeContents(el);
const t = range.getBoundingClientRect();
const hit = document.elementFromPoint(t.left + t.width / 2, t.bottom + 22);
const b = el.getBoundingClientRect();
return {hit: !!hit && (hit === el || el.contains(hit)), w: b.width, h: b.height};
"""
TEXT_LINES = """
const range = document.createRange();
range.selectNodeContents(arguments[0]);
return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size;
"""
PLACEHOLDER_FITS = """
const el = arguments[0], cs = getComputedStyle(el);
const ctx = document.createElement('canvas').getContext('2d');
ctx.font = cs.font;
const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
return [ctx.measureText(el.placeholder).width, room];
"""


def tall_frame(driver, on):
    """Room to scroll on any screen: the window's scroll position is what
    carries over between screens when nothing resets it."""
    driver.execute_script(
        "document.querySelector('.frame').style.paddingBottom = arguments[0];",
        "2000px" if on else "")


def starts_at_top(app, go, screen):
    """`go` opens `screen` while the window is scrolled down: it must open
    at its top (issue 17: a form opened scrolled to its bottom)."""
    tall_frame(app.d, True)
    app.d.execute_script("window.scrollTo(0, 1200);")
    assert app.d.execute_script("return window.scrollY") > 0
    go()
    app.wait(f"[data-screen={screen}]")
    time.sleep(0.3)
    y = app.d.execute_script("return window.scrollY")
    tall_frame(app.d, False)
    assert y == 0, f"{screen} opened scrolled to {y}"


def big_target(app, el, what):
    got = app.d.execute_script(TAP_BELOW, el)
    assert got["w"] >= 44 and got["h"] >= 44, (what, got)
    assert got["hit"], f"a tap 22 px below “{what}” missed it: {got}"


def main():
    app_bin = BIN / "gocua-app"
    for b in [app_bin, BIN / "gocua-server", BIN / "gocua"]:
        if not b.exists():
            raise SystemExit(f"e2e: {b} is not built")
    if shutil.which("tauri-driver") is None:
        raise SystemExit("e2e: tauri-driver not found (run scripts/setup.sh)")
    ART.mkdir(exist_ok=True)
    for old in ART.glob("*.png"):
        old.unlink()
    figures = {}
    wasm = ROOT / "ui" / "dist" / "gocua_ui_bg.wasm"
    figures["wasm_bytes"] = wasm.stat().st_size
    figures["wasm_gzip_bytes"] = len(gzip.compress(wasm.read_bytes(), 9))

    tmp = Path(tempfile.mkdtemp(prefix="gocua-e2e-"))
    # The server key, beside the data folder (never in it); every
    # gocua-server command below reads it from the environment.
    os.environ["GOCUA_SERVER_KEY_FILE"] = str(tmp / "server.key")
    procs = Procs()
    driver = None
    try:
        url, fp = start_server(procs, tmp / "server")
        log(f"server at {url}")
        demo = run_json([str(BIN / "gocua-server"), "admin", "--data", str(tmp / "server"),
                         "--json", "demo", "--url", url])
        enrollment = demo["enrollment"]
        me = enrollment["member"]
        log(f"demo commune {demo['commune']['name']}, enrolling {me['full_name']}")

        port, native = free_port(), free_port()
        env = dict(os.environ, GOCUA_APP_DATA=str(tmp / "app"))
        procs.start(["tauri-driver", "--port", str(port), "--native-port", str(native)],
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # tauri-driver listens first, then WebKitWebDriver behind it: wait for both.
        for p in (port, native):
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", p), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.2)

        opts = ArgOptions()
        opts.set_capability("browserName", "wry")
        opts.set_capability("tauri:options", {"application": str(app_bin)})
        t0 = time.monotonic()
        for attempt in range(1, 6):
            try:
                driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}",
                                          options=opts)
                break
            except Exception as e:  # a loaded machine: the drivers may not be ready yet
                if attempt == 5:
                    raise
                log(f"no WebDriver session yet ({type(e).__name__}), trying again")
                time.sleep(3 * attempt)
                t0 = time.monotonic()
        app = App(driver)
        app.wait("[data-screen]", timeout=60)
        figures["cold_start_to_first_screen_s"] = round(time.monotonic() - t0, 2)
        log(f"first screen after {figures['cold_start_to_first_screen_s']} s")
        try:
            driver.set_window_rect(width=360, height=640)
        except WebDriverException as e:
            log(f"window size not set ({e.msg})")
        app.wait("[data-screen=enroll]")
        app.shot("enroll")  # the first screenshot of a session may be blank: take it again
        app.shot("enroll")

        # First run: paste the QR text, name the device, choose a PIN.
        app.type("#target", enrollment["payload"])
        app.type("#device_name", "Điện thoại thử nghiệm")
        app.click("[data-testid=enroll-next]")
        app.type("#pin", PIN)
        app.type("#pin_again", "135790")
        app.click("[data-testid=enroll-submit]")
        app.wait_text(".field .msg", "không khớp")
        app.shot("pin-mismatch")
        app.type("#pin_again", PIN)
        app.click("[data-testid=enroll-submit]")
        app.wait("[data-screen=home]", timeout=90)
        app.wait_text(".hello", me["full_name"])
        app.wait("[data-testid=my-month]")
        app.shot("home")

        # Every screen opens at its top, whatever the scroll of the last one.
        starts_at_top(app, lambda: driver.find_element(
            By.CSS_SELECTOR, "[data-testid=tab-worklist]").click(), "worklist")
        # The search box says what it searches, in full at 360 px.
        box = app.wait("[data-testid=search]")
        assert "địa chỉ" in box.get_attribute("placeholder"), box.get_attribute("placeholder")
        need, room = driver.execute_script(PLACEHOLDER_FITS, box)
        assert need <= room, f"the placeholder needs {need} px, has {room}"

        # A new household: the form's messages first, then Vietnamese names.
        def add_household():
            btn = driver.find_element(By.CSS_SELECTOR, "[data-testid=add-household]")
            driver.execute_script("arguments[0].scrollIntoView({block: 'end'});", btn)
            btn.click()
        starts_at_top(app, add_household, "household-form")
        app.type("#phone", "12345")
        app.click("[data-testid=save-household]")
        app.wait_text(".field .msg", "Tên chủ hộ không được để trống.")
        app.wait_text(".field.bad .msg", "Tên chủ hộ")
        assert "Số điện thoại phải gồm 10 chữ số" in driver.page_source
        driver.execute_script("window.scrollTo(0, 0);")
        app.shot("household-form-errors")
        app.type("#head_name", HEAD)
        # Fixed, its message goes at once; the phone's (still wrong) stays.
        WebDriverWait(driver, 10).until(
            lambda d: "Tên chủ hộ không được để trống." not in d.page_source)
        assert "Số điện thoại phải gồm 10 chữ số" in driver.page_source
        app.type("#address", "Số 5, ngõ 2, xóm Đông")
        app.type("#phone", "0912 345 678")
        app.click("#elderly_only")
        app.click("[data-testid=save-household]")
        app.wait("[data-screen=household]")
        app.wait_text("[data-testid=head-name]", HEAD)

        # The head is offered as the first resident: the name is filled in,
        # birth year and sex (facts) are left to fill, and are required.
        app.click("[data-testid=add-head-resident]")
        app.wait("[data-screen=resident-form]")
        assert app.wait("#full_name").get_attribute("value") == HEAD
        assert app.wait("#birth_year").get_attribute("value") == ""
        assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=sex] .choice.on"), \
            "no sex chosen before the member picks one"
        app.type("#birth_year", "2030")
        app.click("#consent")
        app.click("[data-testid=save-resident]")
        app.wait_text("[data-testid=sex] .msg", "Hãy chọn giới tính.")
        assert "Năm sinh không hợp lệ" in driver.page_source
        app.shot("resident-form-errors")
        app.type("#birth_year", "1950")
        WebDriverWait(driver, 10).until(lambda d: "Năm sinh không hợp lệ" not in d.page_source)
        assert "Hãy chọn giới tính." in driver.page_source
        app.click_text("button", "Nữ")
        WebDriverWait(driver, 10).until(lambda d: "Hãy chọn giới tính." not in d.page_source)
        app.click("[data-testid=save-resident]")
        app.wait("[data-screen=household]")
        app.wait_text("[data-screen=household]", "1950")
        assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=add-head-resident]")

        for name, year, sex in [("Lò Văn Páo", "1986", "Nam")]:
            app.click("[data-testid=add-resident]")
            app.wait("[data-screen=resident-form]")
            app.type("#full_name", name)
            app.type("#birth_year", year)
            app.click_text("button", sex)
            app.click("#consent")
            app.click("[data-testid=save-resident]")
            app.wait("[data-screen=household]")
            app.wait_text("[data-screen=household]", name)

        # Find it again, typed without diacritics.
        app.click("[data-testid=tab-worklist]")
        app.wait("[data-screen=worklist]")
        app.wait_text("[data-testid=not-visited]", HEAD)
        app.shot("worklist")
        app.type("[data-testid=search]", SEARCH)
        app.wait_text("[data-testid=search-results]", HEAD)
        app.shot("search")
        app.click("[data-testid=search-results] button.row")
        app.wait("[data-screen=household]")
        app.wait_text("[data-testid=head-name]", HEAD)

        # Log a visit: the first resident, two actions, one of them a follow-up.
        app.click("[data-testid=log-visit]")
        app.wait("[data-screen=visit]")
        app.click("[data-testid=pick-resident]")
        app.click("[data-action=vneid_l2]")
        app.click("[data-action=ehealth_book]")
        # Nothing is pre-chosen: the visit waits for each outcome.
        assert not driver.find_elements(By.CSS_SELECTOR, ".mark .choice.on")
        app.click("[data-testid=save-visit]")
        app.wait_text(".visit .error", "Hãy chọn kết quả cho từng nội dung")
        assert driver.find_elements(By.CSS_SELECTOR, "[data-screen=visit]")
        # Its longest outcome stays on one line at 360 px.
        longest = app.wait("[data-mark=vneid_l2] [data-testid=mark-not-possible]")
        lines = driver.execute_script(TEXT_LINES, longest)
        assert lines == 1, f"“Không thực hiện được” on {lines} lines"
        # "Không thực hiện được" asks its reason, none assumed.
        app.click("[data-mark=ehealth_book] [data-testid=mark-not-possible]")
        reason = app.wait("[data-mark=ehealth_book] [data-testid=mark-reason]")
        assert reason.get_attribute("value") == "", reason.get_attribute("value")
        app.click("[data-mark=ehealth_book] [data-testid=mark-done]")
        app.click("[data-mark=vneid_l2] [data-testid=mark-follow-up]")
        # The follow-up's quick days keep their words whole too.
        for quick in driver.find_elements(By.CSS_SELECTOR, ".follow-up .choice"):
            assert driver.execute_script(
                "return arguments[0].scrollWidth <= arguments[0].clientWidth", quick), \
                f"“{quick.text}” is cut"
        # The due date is typed day first (never the US month/day order), or
        # picked with one tap.
        app.type(".follow-up input", "31/11/2026")
        app.wait_text("[data-testid=due-read]", "Ngày chưa đúng")
        app.click_text("button", "2 tuần")
        due = (datetime.now(timezone(timedelta(hours=7))).date() + timedelta(days=14))
        app.wait_text("[data-testid=due-read]", due.strftime("%d/%m/%Y"))
        app.shot("visit")
        app.click("[data-testid=save-visit]")
        app.wait("[data-screen=household]")
        app.wait_text("[data-testid=visits]", "Hẹn quay lại")
        app.shot("household")
        # Text-like buttons take a thumb landing just under the words.
        for css, what in [(".resident-head .plain.small", "Sửa"),
                          ("[data-testid=mark-needs-fix]", "Đánh dấu cần sửa"),
                          ("[data-testid=void-visit]", "Hủy lượt thăm")]:
            big_target(app, app.wait(css), what)

        # My month counts them; sync sends them.
        app.click("[data-testid=tab-home]")
        app.wait_text("[data-testid=assists]", "2")
        app.wait("[data-testid=my-by-action] .bar-row")
        app.wait_text("[data-testid=unsent]", "chưa gửi")
        app.click("[data-testid=sync-now]")
        app.wait_text("[data-testid=unsent]", "Đã gửi hết dữ liệu", timeout=90)
        app.wait_text("[data-testid=last-sync]", "lần cuối")
        app.shot("home-synced")

        # A change the server refuses is held with its reason, not lost, and
        # goes again once the leader fixed the cause: here the team lost its
        # village on the server while the member was out in it.
        admin = [str(BIN / "gocua-server"), "admin", "--data", str(tmp / "server"), "--json"]
        team = next(t for t in demo["teams"] if t["id"] == me["team_id"])
        other_village = next(v["id"] for v in demo["villages"] if v["id"] not in team["village_ids"])
        run_json(admin + ["team", "set-villages", "--team", team["id"], "--village", other_village])
        app.click("[data-testid=tab-worklist]")
        app.click("[data-testid=add-household]")
        app.wait("[data-screen=household-form]")
        app.type("#head_name", HELD)
        app.type("#address", "Số 9, xóm Đông")
        app.click("[data-testid=save-household]")
        app.wait_text("[data-testid=head-name]", HELD)
        app.click("[data-testid=tab-home]")
        app.click("[data-testid=sync-now]")
        app.wait_text("[data-testid=quarantine]", HELD, timeout=90)
        app.wait_text("[data-testid=quarantine]", "Máy chủ từ chối")
        app.shot("home-held")
        run_json(admin + ["team", "set-villages", "--team", team["id"],
                          "--village", *team["village_ids"]])
        # The leader was trained today: the next sync brings it with the
        # organisation, and the team screen counts 1 of the team's 3.
        trained_on = subprocess.run(["date", "-u", "-d", "+7 hours", "+%d/%m/%Y"],
                                    capture_output=True, text=True, check=True).stdout.strip()
        run_json(admin + ["training", "add", "--member", me["id"],
                          "--topic", "Kích hoạt VNeID mức độ 2", "--date", trained_on])
        app.click("[data-testid=retry-held]")
        app.wait_text("[data-testid=unsent]", "chưa gửi")
        app.click("[data-testid=sync-now]")
        app.wait_text("[data-testid=unsent]", "Đã gửi hết dữ liệu", timeout=90)
        assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=held-change]")

        if driver.find_elements(By.CSS_SELECTOR, "[data-testid=tab-team]"):
            app.click("[data-testid=tab-team]")
            app.wait("[data-testid=team-month]")
            app.wait("[data-testid=members-chart] .bar-row")
            app.wait("[data-testid=outcome-chart] .bar-row")
            app.wait_text("[data-testid=team-training]", "1/3 người")
            app.wait_text("[data-testid=team-training] li.trained",
                          f"gần nhất {trained_on}: Kích hoạt VNeID mức độ 2")
            app.shot("team")
            # The quarter against 3 × 50 with the office's deadlines, and the
            # month before (nothing logged then) one tap away.
            today = datetime.now(timezone(timedelta(hours=7))).date()
            roman = ["I", "II", "III", "IV"][(today.month - 1) // 3]
            last = ((today.month - 1) // 3) * 3 + 3
            app.wait_text("[data-testid=team-quarter]", f"Quý {roman}/{today.year}")
            app.wait_text("[data-testid=team-quarter]", "/150 lượt")
            app.wait_text("[data-testid=deadlines]", f"trước ngày 15/{last:02d}/{today.year}")
            app.wait_text("[data-testid=deadlines]", f"trước ngày 26/{last:02d}/{today.year}")
            driver.execute_script(
                "document.querySelector('[data-testid=team-quarter]').scrollIntoView();")
            app.shot("team-quarter")
            assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=next-month]")
            prev = today.replace(day=1) - timedelta(days=1)
            app.click("[data-testid=prev-month]")
            app.wait_text("[data-testid=team-month] h2", f"tháng {prev.month}/{prev.year}")
            app.wait_text("[data-testid=team-month]", "/50 lượt")
            app.wait("[data-testid=next-month]")
            app.shot("team-last-month")
            app.click("[data-testid=next-month]")
            app.wait_text("[data-testid=team-month] h2", f"tháng {today.month}/{today.year}")

        # The review loop: this app is the team's leader. It marks the
        # household "needs fix" (asked of the team, but not on its own home
        # screen: the leader made it); a member's device (the gocua CLI) gets it on sync and
        # reports it fixed with a reply; the leader's next sync takes it off
        # the home screen and shows it resolved, with the reply, on the team
        # screen.
        app.click("[data-testid=tab-worklist]")
        app.wait("[data-screen=worklist]")
        app.type("[data-testid=search]", SEARCH)
        app.wait_text("[data-testid=search-results]", HEAD)
        app.click("[data-testid=search-results] button.row")
        app.wait_text("[data-testid=head-name]", HEAD)
        app.click("[data-testid=mark-needs-fix]")
        app.type("[data-testid=mark-comment]", FIX)
        app.click("[data-testid=mark-submit]")
        app.wait_text("[data-testid=household-reviews]", FIX)
        app.shot("household-needs-fix")
        # The leader made it: it is the member's to fix, not on his home.
        app.click("[data-testid=tab-home]")
        app.wait("[data-testid=my-month]")
        app.wait("[data-testid=sync-card] [data-testid=unsent]")
        time.sleep(1)
        assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=needs-fix]"), \
            "the leader's own mark is shown as his to-do"
        app.click("[data-testid=sync-now]")
        app.wait_text("[data-testid=unsent]", "Đã gửi hết dữ liệu", timeout=90)

        other = next(m for m in demo["members"]
                     if m.get("team_id") == me.get("team_id") and m["id"] != me["id"])
        code = run_json([str(BIN / "gocua-server"), "admin", "--data", str(tmp / "server"),
                         "--json", "enroll-code", "--member", other["id"], "--url", url])
        cli_env = dict(os.environ, GOCUA_DB=str(tmp / "cli.db"), GOCUA_DB_KEY="e2e-second-device")
        gocua = str(BIN / "gocua")
        run_json([gocua, "--json", "enroll", code["payload"], "--device-name", "Máy kiểm tra"], cli_env)
        run_json([gocua, "--json", "sync"], cli_env)
        marks = run_json([gocua, "--json", "review", "list", "--mine"], cli_env)
        assert [m["mark"]["comment"] for m in marks] == [FIX], marks
        assert marks[0]["household_head"] == HEAD, marks
        run_json([gocua, "--json", "review", "resolve", marks[0]["mark"]["id"], "--reply", REPLY],
                 cli_env)
        run_json([gocua, "--json", "sync"], cli_env)
        app.click("[data-testid=sync-now]")
        app.wait_text("[data-testid=unsent]", "Đã gửi hết dữ liệu", timeout=90)
        WebDriverWait(driver, 60).until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid=needs-fix]"))
        app.click("[data-testid=tab-team]")
        app.wait_text("[data-testid=team-reviews]", REPLY)
        app.wait_text("[data-testid=team-reviews]", "Đã sửa bởi " + other["full_name"])
        app.wait_text("[data-testid=review-counts]", "0 cần sửa, 1 đã sửa")
        driver.execute_script(
            "document.querySelector('[data-testid=review-counts]').scrollIntoView();")
        app.shot("team-reviews")
        log("the leader's mark went to the member's device and came back resolved")

        # Lock, a wrong PIN, then the right one.
        app.click("[data-testid=lock]")
        app.wait("[data-screen=unlock]")
        app.type("#pin", "000000")
        app.click("[data-testid=unlock]")
        app.wait_text(".error", "Sai mã PIN")
        app.shot("unlock-wrong-pin")
        app.type("#pin", PIN)
        app.click("[data-testid=unlock]")
        app.wait("[data-screen=home]")

        # Desktop window: the same home screen, wider.
        try:
            driver.set_window_rect(width=1100, height=760)
            app.shot("home-desktop")
        except WebDriverException:
            pass

        main_pids, helpers = app_processes(app_bin)
        figures["app_rss_kib"] = sum(rss_kib(p) for p in main_pids)
        figures["webkit_rss_kib"] = sum(rss_kib(p) for p in helpers)
        log(f"memory: app {figures['app_rss_kib']} KiB, WebKit helpers {figures['webkit_rss_kib']} KiB")

        driver.quit()
        driver = None

        # The server has them: the second device of the same team (enrolled
        # for the review loop above) pulls them.
        run_json([gocua, "--json", "sync"], cli_env)
        hits = run_json([gocua, "--json", "household", "search", SEARCH], cli_env)
        assert [h["head_name"] for h in hits] == [HEAD], hits
        detail = run_json([gocua, "--json", "household", "show", hits[0]["household_id"]], cli_env)
        names = sorted(r["resident"]["full_name"] for r in detail["residents"])
        assert names == sorted([HEAD, "Lò Văn Páo"]), names
        assert len(detail["visits"]) == 1, detail["visits"]
        actions = detail["visits"][0]["actions"]
        codes = sorted(a["action_code"] for a in actions)
        assert codes == ["ehealth_book", "vneid_l2"], actions
        statuses = sorted(a["outcome"]["status"] for a in actions)
        assert statuses == ["done", "follow_up"], actions
        follow_up = next(a["outcome"] for a in actions if a["outcome"]["status"] == "follow_up")
        assert follow_up.get("due") == due.isoformat(), follow_up
        held = run_json([gocua, "--json", "household", "search", "ha thi lan"], cli_env)
        assert [h["head_name"] for h in held] == [HELD], held
        log("the server has the household, both residents and the visit with its two actions,"
            " and the household it refused once and took when sent again")

        (ART / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
        log(f"figures: {json.dumps(figures)}")
        print("1 passed, 0 failed")
    except Exception:
        if driver is not None:
            try:
                app = App(driver)
                app.shot("failure")
                (ART / "failure.html").write_text(driver.page_source)
            except WebDriverException:
                pass
        print("0 passed, 1 failed")
        raise
    finally:
        if driver is not None:
            try:
                driver.quit()
            except WebDriverException:
                pass
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
