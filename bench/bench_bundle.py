"""Picture bundles: how fast the fetcher turns a report's pictures into one image-only PDF
(services/fetcher/imagepdf.py), and how large it is against the pictures.

`python -m bench.bench_bundle [--pages 20] [--dpi 200]` scans synthetic reports' pages at `dpi`
(nianbao.samples.scans), encodes them as JPEG (embedded as they are) and as PNG (decoded, stored as
Flate pixels), and prints per format: pages/s/core (process CPU time), PDF bytes / picture bytes,
and peak RSS. The pictures are made before the clock starts.
"""

from __future__ import annotations

import argparse
import resource
import time


def pictures(pages: int, dpi: int, fmt: str) -> list[bytes]:
    from nianbao.samples.scans import as_image, scan_pages
    from nianbao.samples.synth import synth_report

    out: list[bytes] = []
    seed = 0
    while len(out) < pages:
        for page in scan_pages(synth_report("2021", 200 + seed), dpi=dpi):
            out.append(as_image(page, fmt, dpi=dpi))
        seed += 1
    return out[:pages]


def measure(pages: int, dpi: int, fmt: str) -> dict:
    from services.fetcher.imagepdf import bundle_pdf

    pics = pictures(pages, dpi, fmt)
    started = time.process_time()
    bundle = bundle_pdf(pics)
    cpu = time.process_time() - started
    size = sum(len(p) for p in pics)
    return {
        "format": fmt,
        "pages": bundle.pages,
        "pages_per_s_core": round(bundle.pages / cpu, 1) if cpu else float("inf"),
        "pdf_to_pictures": round(len(bundle.pdf) / size, 3),
        "pictures_mib": round(size / 2**20, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--dpi", type=int, default=200)
    args = ap.parse_args()
    for fmt in ("jpeg", "png"):
        print(measure(args.pages, args.dpi, fmt))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
