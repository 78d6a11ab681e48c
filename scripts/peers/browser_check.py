#!/usr/bin/env python3
"""Loads nnreg's pages in headless Chromium (Debian's chromium + chromedriver, driven by selenium)
and reports what a person would see, as one JSON line.

usage: browser_check.py BASE_URL --pages PATH... [--report FILE] [--compare-runs N] [--hostile TEXT]
                        [--screenshots DIR] [--live-run ID --live-seconds S]

For every page: console errors (SEVERE), whether the screenshot has more than a handful of colours
(not blank), navigation start → load event in ms, the number of curves in the first chart, and
whether a dialog (alert) opened. --hostile TEXT checks that the runs page shows TEXT as text and that
no dialog opened. --report FILE opens a report file with every host unresolvable and counts the
requests the page made (must be 0). --live-run ID loads /runs/ID and reads its step count twice,
--live-seconds apart, without reloading the page.
"""
import argparse
import json
import os
import struct
import sys
import time
import zlib

os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not try to fetch drivers
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402


WINDOW = "1300,1000"


def browser(extra=()):
    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=" + WINDOW, "--hide-scrollbars", *extra):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def png_colours(data, limit=64):
    """Distinct pixel values of an 8-bit RGB(A) PNG, counted up to `limit`."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, width, height, channels = 8, b"", 0, 0, 4
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunk = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            channels = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    raw, stride, previous, seen = zlib.decompress(idat), width * channels, bytearray(width * channels), set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1: line[i] = (line[i] + a) & 255
            elif kind == 2: line[i] = (line[i] + b) & 255
            elif kind == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        previous = line
        if row % 4 == 0:
            for x in range(0, stride, channels * 4):
                seen.add(bytes(line[x:x + 3]))
            if len(seen) >= limit:
                return len(seen)
    return len(seen)


def dialog_open(driver):
    try:
        driver.switch_to.alert.dismiss()
        return True
    except NoAlertPresentException:
        return False


def inspect(driver, url, screenshot=None):
    driver.get(url)
    opened = dialog_open(driver)
    timing = driver.execute_script(
        "var t = performance.getEntriesByType('navigation')[0];"
        "return t ? [t.loadEventEnd - t.startTime, t.domContentLoadedEventEnd - t.startTime] : [null, null];")
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    png = driver.get_screenshot_as_png()
    if screenshot:
        with open(screenshot, "wb") as file:
            file.write(png)
    curves = driver.execute_script(
        "var c = document.querySelector('svg.chart'); return c ? c.querySelectorAll('path.series').length : 0;")
    return {"url": url, "status_title": driver.title, "console_errors": errors, "colours": png_colours(png),
            "load_ms": timing[0], "dom_ms": timing[1], "first_chart_curves": curves, "dialog": opened,
            "charts": driver.execute_script("return document.querySelectorAll('svg.chart').length;"),
            "requests": driver.execute_script("return performance.getEntriesByType('resource').length;")}


def main():
    global WINDOW
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--pages", nargs="+", default=["/"])
    parser.add_argument("--report")
    parser.add_argument("--hostile")
    parser.add_argument("--screenshots")
    parser.add_argument("--live-run", type=int)
    parser.add_argument("--live-seconds", type=float, default=5)
    parser.add_argument("--window", default=WINDOW, help="WIDTH,HEIGHT of the browser window (and screenshots)")
    arguments = parser.parse_args()
    WINDOW = arguments.window
    result = {"pages": []}
    driver = browser()
    try:
        for path in arguments.pages:
            name = path.strip("/").split("?")[0].replace("/", "-") or "runs"
            shot = os.path.join(arguments.screenshots, name + ".png") if arguments.screenshots else None
            result["pages"].append(inspect(driver, arguments.base + path, shot))
        if arguments.hostile is not None:
            driver.get(arguments.base + "/")
            body = driver.find_element("tag name", "main").text
            result["hostile"] = {
                "shown_as_text": arguments.hostile in body,
                "dialog": dialog_open(driver),
                "scripts_in_main": driver.execute_script("return document.querySelectorAll('main script').length;"),
            }
        if arguments.live_run is not None:
            driver.get("%s/runs/%d" % (arguments.base, arguments.live_run))
            read = "return document.querySelector('table.facts td').textContent;"
            first = driver.execute_script(read)
            driver.execute_script("window.__sameDocument = true;")
            time.sleep(arguments.live_seconds)
            result["live"] = {"first": first, "second": driver.execute_script(read),
                              "same_document": driver.execute_script("return window.__sameDocument === true;"),
                              "status": driver.execute_script("return document.querySelector('h1 .badge').textContent;")}
    finally:
        driver.quit()
    if arguments.report:
        offline = browser(["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"])
        try:
            shot = os.path.join(arguments.screenshots, "report.png") if arguments.screenshots else None
            result["report"] = inspect(offline, "file://" + os.path.abspath(arguments.report), shot)
        finally:
            offline.quit()
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
