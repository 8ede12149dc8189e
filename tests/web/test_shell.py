"""Pages, health, job status, error pages and security headers."""

from __future__ import annotations

from survey import queue

from ..conftest import build_app, log_in, make_user


def test_home_sends_visitors_to_the_chinese_login_page(client):
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/login"
    assert "登录" in response.get_data(as_text=True)


def test_every_response_carries_security_headers(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_session_cookie_is_secure_httponly_and_same_site(tmp_path, redis_url, db):
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", redis_url, SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    client.get("/login")
    client.post("/language", data={"lang": "en", "next": "/login"})
    cookie = client.get_cookie("minsheng_session")
    assert cookie is not None and cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def test_pages_have_no_inline_script(as_role):
    admin = as_role("admin")
    for path in ("/login", "/admin/", "/admin/?job=seed-demo", "/admin/users", "/nope"):
        body = admin.get(path).get_data(as_text=True)
        assert "<script>" not in body and "onclick=" not in body and "style=" not in body, path


def test_health_reports_database_and_redis(client, redis):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json["database"] == "ok" and response.json["redis"] == "ok"


def test_health_is_503_when_redis_is_down(tmp_path, db):
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", "redis://127.0.0.1:1/0")
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.json["redis"].startswith("down")


def test_unknown_page_is_a_friendly_404_page_in_chinese(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "页面不存在" in body and "返回首页" in body and "Traceback" not in body


def test_a_crash_is_a_friendly_500_that_leaks_nothing(tmp_path, redis_url, db, caplog):
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", redis_url)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    from survey.web.policy import ANYONE, POLICY

    POLICY["boom"] = ANYONE
    try:
        response = app.test_client().get("/boom")
    finally:
        del POLICY["boom"]
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "出错了" in body and "secret internal detail" not in body and "Traceback" not in body
    assert "secret internal detail" in caplog.text  # but the server log has it


def test_unknown_job_is_a_json_404_naming_the_job(as_role, redis):
    response = as_role("coordinator").get("/jobs/nope")
    assert response.status_code == 404
    assert response.json["job_id"] == "nope"


def test_job_status_needs_a_login_and_answers_json(app, client, as_role, redis):
    with app.app_context():
        queue.enqueue("workers.maintenance.queue_check", 2, 0.0, job_id="status-demo", retry=None)
    assert client.get("/jobs/status-demo").status_code == 401
    response = as_role("leader").get("/jobs/status-demo")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "queued" and body["percent"] == 0.0


def test_admin_page_shows_system_status_and_the_demo_button(as_role, redis):
    body = as_role("admin").get("/admin/").get_data(as_text=True)
    assert "载入示范城市数据" in body and "Redis" in body


def test_starting_the_demo_load_redirects_to_its_progress_bar(as_role, redis):
    admin = as_role("admin")
    response = admin.post("/admin/demo")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/?job=seed-demo")
    page = admin.get("/admin/?job=seed-demo").get_data(as_text=True)
    assert 'data-job-url="/jobs/seed-demo"' in page


def test_starting_a_job_without_redis_says_so_instead_of_failing(tmp_path, db):
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", "redis://127.0.0.1:1/0")
    client = app.test_client()
    log_in(client, make_user("admin"))
    response = client.post("/admin/demo", follow_redirects=True)
    assert response.status_code == 200
    assert "survey seed demo" in response.get_data(as_text=True)


def test_forms_are_refused_without_a_csrf_token(tmp_path, redis_url, db):
    app = build_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", redis_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    log_in(client, make_user("admin"))
    response = client.post("/admin/demo")
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)
    assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 400


def test_times_are_shown_in_shanghai_time(app):
    from survey.web.filters import local_time

    with app.test_request_context():
        assert local_time("2026-11-21T23:28:31+00:00") == "2026-11-22 07:28:31"
        assert local_time(None) == "—"
