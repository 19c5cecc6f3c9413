#!/usr/bin/env python3
"""Drives the page of `evident serve` in headless Chromium, with the keyboard where a person would use it.

Usage: Scripts/browser-test.py --url http://127.0.0.1:PORT [--screenshot PATH] [--narrow-screenshot PATH]
                               [--width 1280]

Normally run by Scripts/browser-test.sh, which starts the server and provides Selenium (PyPI `selenium`) in
Scripts/.venv-browser. Needs Debian's `chromium` and `chromium-driver` (`make setup-browser`).

Checks, in order: the header names the index that GET /health reports; a search typed and submitted with Enter
shows results with a citation and highlighted terms; an answer from Ask has at least three sentences whose [n]
links lead to references on the page; a pasted answer sent to Ground shows claims with verdict classes and
labels, a quoted citation and an item marked as not a claim; a search limit of 500 puts the server's error
message in the alert region; and at 360 px wide no tab scrolls sideways. The browser console must stay free of
errors. Prints one line per check; exits 1 when any fails, 0 otherwise. The element ids and classes are listed
at the top of Sources/EvidentServer/WebPage.swift.
"""
import argparse
import json
import re
import sys
import time
import urllib.error
import urllib.request

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    sys.exit("browser-test: Selenium is missing; run Scripts/browser-test.sh, or pip install selenium")

SEARCH_QUERY = "first-line treatment for pleural mesothelioma"
ASK_QUESTION = "How does CAR-T cell therapy work for mesothelioma?"
GROUND_ANSWER = ("CAR T cells are made from a patient's own T cells.\n\n"
                 "CAR T-cell therapy is approved for pleural mesothelioma.\n\n"
                 "Call your doctor if you have a fever.")
VERDICT_CLASSES = ("verdict-supported", "verdict-partially-supported", "verdict-contradicted",
                   "verdict-unsupported", "not-a-claim")
SHORT_WAIT = 10
REQUEST_WAIT = 60
GROUND_WAIT = 120


class CheckFailed(Exception):
    """A check did not hold; the message says what was found."""


class PageTest:
    def __init__(self, driver, url, width):
        self.driver = driver
        self.url = url.rstrip("/")
        self.width = width
        self.failures = []

    # Helpers -------------------------------------------------------------------------------------------------

    def find(self, selector):
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def find_all(self, selector):
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def wait_until(self, description, condition, timeout):
        """Waits for condition(driver) to be truthy; returns its value or fails naming `description`."""
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda driver: condition(driver))
        except TimeoutException:
            raise CheckFailed("%s: not seen within %d s" % (description, timeout)) from None

    def text_of(self, selector):
        elements = self.find_all(selector)
        return elements[0].text.strip() if elements else ""

    def wait_for_answer(self, name, result_selector, timeout):
        """Waits until the form `name` is idle again with results or an error; fails on the error."""
        def settled(driver):
            busy = "is-busy" in (self.find("#%s-form" % name).get_attribute("class") or "")
            if busy:
                return None
            error = self.text_of("#%s-error" % name)
            if error:
                return ("error", error)
            results = self.find_all(result_selector)
            return ("results", results) if results else None
        kind, value = self.wait_until("%s results (%s)" % (name, result_selector), settled, timeout)
        if kind == "error":
            raise CheckFailed("the page shows an error instead of %s results: %r" % (name, value))
        if not self.find("#%s-submit" % name).is_enabled():
            raise CheckFailed("#%s-submit is still disabled after the answer arrived" % name)
        return value

    def select_tab(self, name):
        self.find("#tab-" + name).click()
        self.wait_until("#panel-%s shown" % name, lambda driver: self.find("#panel-" + name).is_displayed(),
                        SHORT_WAIT)

    def console_errors(self, ignore=()):
        try:
            entries = self.driver.get_log("browser")
        except WebDriverException:
            return []
        return [entry["message"] for entry in entries
                if entry.get("level") == "SEVERE" and not any(pattern in entry["message"] for pattern in ignore)]

    def run(self, name, check):
        try:
            detail = check()
        except CheckFailed as failure:
            self.failures.append(name)
            print("FAIL  %s: %s" % (name, failure), flush=True)
        except WebDriverException as error:
            self.failures.append(name)
            print("FAIL  %s: browser error: %s" % (name, error.msg or error), flush=True)
        else:
            print("ok    %s%s" % (name, ": " + detail if detail else ""), flush=True)

    # Checks --------------------------------------------------------------------------------------------------

    def check_header(self):
        with urllib.request.urlopen(self.url + "/health", timeout=SHORT_WAIT) as response:
            health = json.load(response)
        self.driver.get(self.url + "/")
        expected = health.get("index")
        if not expected:
            raise CheckFailed("GET /health has no index name: %r" % health)
        shown = self.wait_until("#index-name in the header", lambda driver: self.text_of("#index-name"), SHORT_WAIT)
        if shown != expected:
            raise CheckFailed("#index-name shows %r, GET /health says %r" % (shown, expected))
        errors = self.console_errors()
        if errors:
            raise CheckFailed("console errors after loading: %s" % errors)
        return "%r; %s" % (shown, " · ".join(self.text_of("#index-status").splitlines()))

    def check_search(self):
        self.select_tab("search")
        query = self.find("#search-query")
        query.clear()
        query.send_keys(SEARCH_QUERY, Keys.ENTER)
        results = self.wait_for_answer("search", "#search-results .result", REQUEST_WAIT)
        first = results[0]
        citation = first.find_elements(By.CSS_SELECTOR, ".citation .doc")
        offsets = first.find_elements(By.CSS_SELECTOR, ".citation .offsets")
        if not citation or not citation[0].text.strip():
            raise CheckFailed("the first result has no document path in .citation .doc")
        if not offsets or not re.search(r"\d+\s*–\s*\d+", offsets[0].text):
            raise CheckFailed("the first result has no offsets start–end: %r" % (offsets[0].text if offsets else None))
        marks = self.find_all("#search-results .result mark")
        if not marks:
            raise CheckFailed("no <mark> in %d results; first passage: %r" % (
                len(results), self.text_of("#search-results .passage")[:160]))
        status = self.text_of("#search-status")
        if not status:
            raise CheckFailed("#search-status (role=status) announces nothing")
        return "%d results, %d marked words (%s), first cites %s %s" % (
            len(results), len(marks), ", ".join(sorted({mark.text.lower() for mark in marks})[:6]),
            citation[0].text, offsets[0].text)

    def check_ask(self):
        # Reach the Ask tab with the keyboard: focus the selected tab, then the right arrow.
        self.select_tab("search")
        self.find("#tab-search").send_keys(Keys.ARROW_RIGHT)
        self.wait_until("Ask tab selected with the right arrow key",
                        lambda driver: self.find("#tab-ask").get_attribute("aria-selected") == "true"
                        and self.find("#panel-ask").is_displayed(), SHORT_WAIT)
        question = self.find("#ask-question")
        question.clear()
        question.send_keys(ASK_QUESTION, Keys.ENTER)
        self.wait_for_answer("ask", "#ask-answer .sentence", REQUEST_WAIT)
        sentences = self.find_all("#ask-answer .sentence")
        links = self.find_all("#ask-answer a.ref-link")
        if len(sentences) < 3:
            raise CheckFailed("%d sentences in #ask-answer, want at least 3" % len(sentences))
        if len(links) < len(sentences):
            raise CheckFailed("%d sentences but only %d [n] links" % (len(sentences), len(links)))
        for link in links:
            target = (link.get_attribute("href") or "").rpartition("#")[2]
            if not re.fullmatch(r"\[\d+\]", link.text.strip()):
                raise CheckFailed("a reference link reads %r, not [n]" % link.text)
            if not target or not self.find_all("#ask-references #" + target):
                raise CheckFailed("link %s points to #%s, which is not in #ask-references" % (link.text, target))
        quote = self.text_of("#ask-references .reference .quote")
        if not quote:
            raise CheckFailed("the first reference has no quote")
        # Following a marker with the keyboard moves focus to its reference.
        links[0].send_keys(Keys.ENTER)
        target = links[0].get_attribute("href").rpartition("#")[2]
        self.wait_until("focus on #%s after Enter on its link" % target,
                        lambda driver: driver.execute_script("return document.activeElement.id") == target,
                        SHORT_WAIT)
        return "%d sentences, %d references" % (len(sentences), len(self.find_all("#ask-references .reference")))

    def check_ground(self):
        self.select_tab("ground")
        box = self.find("#ground-answer")
        box.clear()
        box.send_keys(GROUND_ANSWER)
        box.send_keys(Keys.CONTROL, Keys.ENTER)  # the keyboard shortcut of the textarea
        claims = self.wait_for_answer("ground", "#ground-results .claim", GROUND_WAIT)
        verdicts = {}
        for claim in claims:
            classes = (claim.get_attribute("class") or "").split()
            kind = next((name for name in VERDICT_CLASSES if name in classes), None)
            if kind is None:
                raise CheckFailed("a claim has no verdict class: class=%r" % claim.get_attribute("class"))
            label = claim.find_elements(By.CSS_SELECTOR, ".verdict-label")
            if not label or not label[0].text.strip():
                raise CheckFailed("a %s claim has no text label (.verdict-label)" % kind)
            verdicts[kind] = verdicts.get(kind, 0) + 1
        quotes = [quote for quote in self.find_all("#ground-results .claim .citation .quote") if quote.text.strip()]
        if not quotes:
            raise CheckFailed("no claim shows a citation quote (.citation .quote)")
        others = self.find_all("#ground-results .claim.not-a-claim")
        if not others:
            raise CheckFailed("no item is marked as not a claim; classes found: %s" % verdicts)
        label = others[0].find_element(By.CSS_SELECTOR, ".verdict-label").text.strip().lower()
        if "not a claim" not in label:
            raise CheckFailed("the not-a-claim item is labelled %r" % label)
        summary = self.text_of("#ground-summary")
        if not summary:
            raise CheckFailed("#ground-summary is empty")
        errors = self.console_errors()
        if errors:
            raise CheckFailed("console errors: %s" % errors)
        status = re.sub(r"\s+,", ",", " ".join(self.text_of("#ground-status").split()))
        return "%d items %s; status: %s" % (len(claims), verdicts, status)

    def check_error(self):
        self.select_tab("search")
        limit = self.find("#search-limit")
        limit.send_keys(Keys.CONTROL, "a")
        limit.send_keys("500")
        query = self.find("#search-query")
        query.clear()
        query.send_keys(SEARCH_QUERY, Keys.ENTER)
        message = self.wait_until("a message in #search-error",
                                  lambda driver: self.text_of("#search-error")
                                  and "is-busy" not in self.find("#search-form").get_attribute("class"),
                                  REQUEST_WAIT)
        message = self.text_of("#search-error")
        if self.find("#search-error").get_attribute("role") != "alert":
            raise CheckFailed("#search-error is not role=alert")
        if "limit" not in message.lower():
            raise CheckFailed("the alert does not carry the server's message about the limit: %r" % message)
        if not self.find("#search-submit").is_enabled():
            raise CheckFailed("#search-submit stays disabled after the error")
        limit.send_keys(Keys.CONTROL, "a")
        limit.send_keys("10")
        # The refused request is logged by Chromium as a failed resource load; anything else counts.
        errors = self.console_errors(ignore=("the server responded with a status of 4",))
        if errors:
            raise CheckFailed("console errors: %s" % errors)
        return repr(message)

    def check_narrow(self, screenshot):
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": 360, "height": 780, "deviceScaleFactor": 1, "mobile": True})
        try:
            width = self.driver.execute_script("return window.innerWidth")
            if width != 360:
                raise CheckFailed("could not narrow the viewport to 360 px (it is %s)" % width)
            overflowing = []
            for name in ("search", "ask", "ground"):
                self.select_tab(name)
                scroll_width, client_width = self.driver.execute_script(
                    "const root = document.documentElement; return [root.scrollWidth, root.clientWidth];")
                if scroll_width > client_width:
                    wide = self.driver.execute_script("""
                        const limit = document.documentElement.clientWidth;
                        return Array.from(document.querySelectorAll('body *'))
                            .filter((node) => node.getBoundingClientRect().right > limit + 0.5)
                            .slice(0, 5).map((node) => node.tagName.toLowerCase() + (node.id ? '#' + node.id : '')
                                + (node.className && typeof node.className === 'string'
                                   ? '.' + node.className.trim().split(/\\s+/).join('.') : ''));""")
                    overflowing.append("%s tab: scrollWidth %d > clientWidth %d (too wide: %s)" % (
                        name, scroll_width, client_width, ", ".join(wide)))
            if screenshot:
                self.select_tab("ground")
                self.save_screenshot(screenshot, 360, mobile=True)
            if overflowing:
                raise CheckFailed("; ".join(overflowing))
            return "no horizontal scrolling in any tab"
        finally:
            self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def save_screenshot(self, path, width, mobile=False, max_height=2000):
        """Captures the page from the top at `width`, as tall as its content (at most `max_height`)."""
        def emulate(height):
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
        # Lay the page out at the width first: its height depends on it.
        emulate(900)
        self.driver.execute_script("window.scrollTo(0, 0)")
        height = self.driver.execute_script(
            "return Math.min(document.documentElement.scrollHeight, arguments[0])", max_height)
        emulate(height)
        try:
            self.driver.execute_script("return new Promise((done) => requestAnimationFrame(() => done()))")
            if not self.driver.save_screenshot(path):
                raise CheckFailed("could not write the screenshot to %s" % path)
        finally:
            if not mobile:
                self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        print("      screenshot (%d x %d) saved to %s" % (width, height, path), flush=True)


def start_browser(arguments):
    options = webdriver.ChromeOptions()
    options.binary_location = arguments.chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--disable-extensions", "--no-first-run", "--hide-scrollbars",
                 "--window-size=%d,900" % arguments.width, "--lang=en-US"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=arguments.chromedriver))


def main():
    parser = argparse.ArgumentParser(description="Browser test of the page of `evident serve`.")
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--screenshot", help="save a PNG of the Ground tab after the grounding here")
    parser.add_argument("--narrow-screenshot", help="save a PNG of the Ground tab at 360 px wide here")
    parser.add_argument("--width", type=int, default=1280, help="window width in CSS pixels (default 1280)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    arguments = parser.parse_args()

    try:
        urllib.request.urlopen(arguments.url.rstrip("/") + "/health", timeout=SHORT_WAIT).close()
    except (urllib.error.URLError, OSError) as error:
        sys.exit("browser-test: %s/health does not answer: %s" % (arguments.url, error))
    try:
        driver = start_browser(arguments)
    except WebDriverException as error:
        sys.exit("browser-test: could not start Chromium through %s: %s" % (arguments.chromedriver, error.msg))

    started = time.monotonic()
    try:
        test = PageTest(driver, arguments.url, arguments.width)
        test.run("header shows the index from /health", test.check_header)
        if test.failures:  # the page itself did not load: nothing else can pass
            return 1
        test.run("search with the keyboard shows cited, highlighted results", test.check_search)
        test.run("ask gives sentences whose [n] links reach their references", test.check_ask)
        test.run("ground shows verdicts, quotes and what is not a claim", test.check_ground)
        if arguments.screenshot:
            try:
                test.select_tab("ground")
                test.save_screenshot(arguments.screenshot, arguments.width)
            except (CheckFailed, WebDriverException) as error:
                test.failures.append("screenshot")
                print("FAIL  screenshot: %s" % error, flush=True)
        test.run("an invalid limit shows the server's error in the alert region", test.check_error)
        test.run("no horizontal scrolling at 360 px", lambda: test.check_narrow(arguments.narrow_screenshot))
    finally:
        driver.quit()

    elapsed = time.monotonic() - started
    if test.failures:
        print("browser test FAILED (%d of its checks: %s) in %.1f s" % (
            len(test.failures), "; ".join(test.failures), elapsed))
        return 1
    print("browser test passed in %.1f s" % elapsed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
