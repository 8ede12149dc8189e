"""Pages, health, job status, error pages and security headers."""

from __future__ import annotations

from survey import queue

from ..conftest import build_app


def test_home_page_names_the_product_in_chinese(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "民声" in response.get_data(as_text=True)


def test_every_response_carries_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(client):
    for path in ("/", "/admin/", "/admin/?job=seed-demo", "/nope"):
        body = client.get(path).get_data(as_text=True)
        assert "<script>" not in body and "onclick=" not in body, path


def test_health_reports_database_and_redis(client, redis):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json["database"] == "ok" and response.json["redis"] == "ok"


def test_health_is_503_when_redis_is_down(tmp_path, db):
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", "redis://127.0.0.1:1/0")
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["redis"].startswith("down")


def test_unknown_page_is_a_friendly_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "返回首页" in response.get_data(as_text=True)


def test_unknown_job_is_a_json_404_naming_the_job(client, redis):
    response = client.get("/jobs/nope")
    assert response.status_code == 404
    assert response.json["job_id"] == "nope"


def test_job_status_is_json_with_progress(app, client, redis):
    with app.app_context():
        queue.enqueue("workers.maintenance.queue_check", 2, 0.0, job_id="status-demo", retry=None)
    body = client.get("/jobs/status-demo").json
    assert body["status"] == "queued" and body["percent"] == 0.0


def test_admin_page_shows_system_status_and_the_demo_button(client, redis):
    body = client.get("/admin/").get_data(as_text=True)
    assert "载入示范城市数据" in body and "Redis" in body


def test_starting_the_demo_load_redirects_to_its_progress_bar(client, redis):
    response = client.post("/admin/demo")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/?job=seed-demo")
    page = client.get("/admin/?job=seed-demo").get_data(as_text=True)
    assert 'data-job-url="/jobs/seed-demo"' in page


def test_starting_a_job_without_redis_says_so_instead_of_failing(tmp_path, db):
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", "redis://127.0.0.1:1/0")
    client = app.test_client()
    response = client.post("/admin/demo", follow_redirects=True)
    assert response.status_code == 200
    assert "survey seed demo" in response.get_data(as_text=True)


def test_forms_are_refused_without_a_csrf_token(tmp_path, redis_url, db):
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", redis_url, WTF_CSRF_ENABLED=True)
    response = app.test_client().post("/admin/demo")
    assert response.status_code == 400


def test_times_are_shown_in_shanghai_time(app):
    from survey.web.filters import local_time

    with app.app_context():
        assert local_time("2026-11-21T23:28:31+00:00") == "2026-11-22 07:28:31"
        assert local_time(None) == "—"
