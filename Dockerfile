# One image for every nianbao service; the Kubernetes manifests choose the command
# (`nianbao serve parser`, `nianbao topology apply`, `nianbao migrate`, …).
#   docker build -t ghcr.io/nianbao/nianbao:0.1.0 .
# Small base (python:3.11-slim), dependencies built in a throwaway stage, runs as a non-root user
# with a read-only root filesystem (writable: /tmp and NIANBAO_DATA_DIR, both volumes on k8s).

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/nianbao
COPY pyproject.toml README.md LICENSE /src/
COPY nianbao /src/nianbao
COPY shared /src/shared
COPY services /src/services
# Pinned dependencies from pyproject.toml, then the package itself (not editable).
RUN /opt/nianbao/bin/pip install /src

FROM python:3.11-slim-bookworm
# fonts-wqy-zenhei: CJK glyphs for the PDFs the sample portal renders (`nianbao run` in a pod).
# LibreOffice headless (writer: .doc/.wps/.rtf/.odt, calc: .ods): the parser converts legacy
# reports with `soffice` (services/parser/extract/legacy.py); without it they are refused in a
# pod as MissingConverter while they are read on a developer machine.
# chromium: the fetcher renders the 年报 columns only a script can page (services/fetcher/browser.py;
# without it they stay below full coverage and NianbaoFetcherBrowserMissing fires).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
      libreoffice-writer-nogui libreoffice-calc-nogui chromium \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 nianbao \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/nianbao --shell /usr/sbin/nologin nianbao \
 && install -d -o 10001 -g 10001 /var/lib/nianbao
COPY --from=build /opt/nianbao /opt/nianbao
ENV PATH=/opt/nianbao/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NIANBAO_DATA_DIR=/var/lib/nianbao \
    NIANBAO_HTTP_HOST=0.0.0.0 \
    NIANBAO_HTTP_PORT=8080
USER 10001:10001
WORKDIR /var/lib/nianbao
EXPOSE 8080
ENTRYPOINT ["nianbao"]
CMD ["--help"]
