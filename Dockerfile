# The official Odoo 18 image plus the Python libraries the addons declare and the tools
# of tests/run.sh. Odoo itself comes from the image.
FROM odoo:18

USER root
# Chromium runs the UI tours of the test suite.
RUN apt-get update && apt-get install -y --no-install-recommends chromium \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt requirements-test.txt /tmp/recurring/
RUN pip3 install --no-cache-dir --break-system-packages \
        -r /tmp/recurring/requirements.txt -r /tmp/recurring/requirements-test.txt
USER odoo
