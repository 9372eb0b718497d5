# The two set-up commands of the README: `make demo` and `make test`. Each installs what a fresh
# machine lacks (system packages with apt-get, the project into .venv/) and then does its job.
PY      := .venv/bin/python
STAMP   := .venv/.installed
APT_PKGS := mosquitto mosquitto-clients chromium fonts-wqy-microhei portaudio19-dev alsa-utils gcc python3-dev poppler-utils nginx libnginx-mod-rtmp

.PHONY: demo test check pytest bench screenshots sysdeps venv clean

demo: $(STAMP)
	$(PY) -m controller.cli demo

test: check pytest

check: $(STAMP)
	.venv/bin/ruff check --no-cache controller drivers sim tests bench
	.venv/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest -q -n 2

bench: $(STAMP)
	$(PY) bench/command_latency.py
	$(PY) bench/journal_commit.py
	$(PY) bench/signals.py
	$(PY) bench/voice_follow.py
	$(PY) bench/recording.py
	$(PY) bench/streaming.py
	$(PY) bench/recovery.py
	$(PY) bench/scale.py
	$(PY) bench/command_load.py
	$(PY) bench/fleet.py

# The console at its three sizes (desktop, touch panel, phone) as small PNGs for docs/console.md.
screenshots: $(STAMP)
	$(PY) -m tests.console.make_screenshots docs/img

sysdeps:
	@missing=""; \
	for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml | sysdeps
	@test -x $(PY) || { echo "creating .venv/"; python3 -m venv .venv; }
	@echo "installing the project and its test tools into .venv/"
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

clean:
	rm -rf .venv .mypy_cache .pytest_cache .ruff_cache
