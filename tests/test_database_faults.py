"""Database faults (issue 16 point 4), on a PostgreSQL cluster of the test's own (a temporary
folder, its own port; as root it runs as the postgres user), never the shared server at 5432:
gunicorn serves the Chinese 503 page while the database is down, not a traceback, and serves
again once it is back — also straight after a restart nobody noticed, without a restart of its
own (``CONN_HEALTH_CHECKS``: a kept connection is checked before it is used).

Slow (a cluster, a migration, gunicorn: about 15 s): it runs in the PostgreSQL pass of
``bin/test``, and is skipped, saying why, when the PostgreSQL server binaries are missing."""

import json
import os
import subprocess
import sys

import psycopg2
import pytest
from django.conf import settings

from disclosure.devtools.servers import AppServer, PostgresCluster, http_get, postgres_unavailable

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
UNAVAILABLE = postgres_unavailable()

pytestmark = [
    pytest.mark.skipif(
        not ON_POSTGRESQL,
        reason="runs in the PostgreSQL pass of bin/test (DATABASE_URL=postgres://…); "
        "it starts a PostgreSQL cluster of its own",
    ),
    pytest.mark.skipif(UNAVAILABLE is not None, reason=f"no private PostgreSQL: {UNAVAILABLE}"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A private cluster with a migrated database ``ogi``, and one gunicorn worker on it (one,
    so that the request after a restart surely meets the connection the restart broke)."""
    var = tmp_path_factory.mktemp("faults-var")
    with PostgresCluster() as cluster:
        admin = psycopg2.connect(
            host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres"
        )
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("CREATE DATABASE ogi")
        admin.close()
        env = {
            "DATABASE_URL": cluster.url("ogi"),
            "VAR_DIR": str(var),
            "MEDIA_ROOT": str(var / "media"),
            "CACHE_URL": "none",  # every page reads the database
            "CONN_MAX_AGE": "600",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=settings.BASE_DIR,
            env={**os.environ, **env},
            check=True,
            timeout=300,
        )
        with AppServer(env, workers=1, name="faults") as app:
            yield cluster, app


def get(app, path="/"):
    response = http_get(f"{app.url}{path}")
    assert response.status != 500, app.log_text()[-3000:]
    return response


def test_it_serves_the_chinese_503_page_while_the_database_is_down(site):
    cluster, app = site
    assert get(app).status == 200

    cluster.stop()
    try:
        down = get(app)
        health = get(app, "/healthz")
    finally:
        cluster.start()

    assert down.status == 503
    assert down.headers["Retry-After"] == "60"
    assert down.headers["Content-Type"].startswith("text/html")
    assert "系统暂时无法访问" in down.body and 'lang="zh-CN"' in down.body
    assert "Traceback" not in down.body and "OperationalError" not in down.body
    assert health.status == 503
    assert json.loads(health.body)["database"] == "error"
    # Back without restarting gunicorn.
    assert get(app).status == 200
    assert json.loads(get(app, "/healthz").body)["database"] == "ok"


def test_it_serves_at_once_after_a_restart_nobody_saw(site):
    cluster, app = site
    for _ in range(3):
        assert get(app).status == 200  # the worker keeps its connection (CONN_MAX_AGE)

    cluster.stop()
    cluster.start()

    # The kept connection died with the old server: checked and replaced before it is used.
    assert [get(app).status for _ in range(3)] == [200, 200, 200]
