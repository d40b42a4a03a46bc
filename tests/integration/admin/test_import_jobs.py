"""The admin's employee import as a background job (idp/web/admin/importing.py,
idp/services/lifecycle/import_jobs.py): the upload limit's 413 page over a real HTTP server,
the job's life (check, summary, invalid rows, report, import, cancel), one winner among
claimers, a Windows-1252 file, the reason of every invalid value and formula names."""

from __future__ import annotations

import io
import re
import threading
import urllib.error
import urllib.request
from typing import Any

from sqlalchemy import func, select
from werkzeug.serving import make_server

from idp.extensions import db
from idp.import_worker import ImportWorker
from idp.models import ImportJob, ImportJobRow, User
from idp.services.lifecycle import import_jobs
from tests.support.admin import admin, browser, text, token
from tests.support.helpers import make_org

CSV = (
    b"rid,name,email,cpr\n"
    b"9001,Anna Jensen,anna.jensen@example.dk,010203-1234\n"
    b"9002,Bo Hansen,bo@example.dk,\n"
)
BAD_ROWS = (
    b"9003,Cy Date,cy@example.dk,320199-1234\n"
    b"9004,Di Mail,not-an-email,\n"
    b"90 05,Ed Rid,ed@example.dk,\n"
    b'9006,=HYPERLINK("http://x"),f@example.dk,\n'
    b"9007,+cmd|' /C calc'!A0,g@example.dk,\n"
    b"9008,Cy Twice,cy@example.dk,\n"
)


def _upload(http: Any, content: bytes, name: str = "people.csv") -> Any:
    data = {"csrf_token": token(http), "file": (io.BytesIO(content), name)}
    return http.post("/admin/import", data=data, content_type="multipart/form-data")


def _job_id(response: Any) -> int:
    assert response.status_code == 303, text(response)
    match = re.search(r"/admin/import/(\d+)$", response.headers["Location"])
    assert match
    return int(match.group(1))


def _post(http: Any, path: str, **data: str) -> Any:
    return http.post(path, data={"csrf_token": token(http), **data})


def _people(app: Any) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(User).where(User.status == "imported")
        )


def _job(app: Any, job_id: int) -> ImportJob:
    with app.app_context():
        job = db.session.get(ImportJob, job_id)
        assert job is not None
        db.session.expunge(job)
        return job


def test_an_upload_over_the_limit_gets_the_413_page_over_http(make_app):
    app = make_app(max_upload_mb=1)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    body = b"x" * (1024 * 1024 + 1)
    try:
        for path, kind in (("/admin/import", "text/html"), ("/token", "application/json")):
            request = urllib.request.Request(
                base + path,
                data=body,
                headers={
                    "Content-Type": "multipart/form-data; boundary=x",
                    "Accept-Language": "da",
                },
            )
            try:
                urllib.request.urlopen(request, timeout=10)
                raise AssertionError("accepted")
            except urllib.error.HTTPError as error:
                answer = error.read().decode()
                assert error.code == 413 and error.headers["Content-Type"].startswith(kind)
            if kind == "text/html":
                assert "Filen er for stor: højst 1 MB." in answer
            else:
                assert '"invalid_request"' in answer
    finally:
        server.shutdown()
        thread.join(10)


def test_the_check_runs_as_a_job_then_the_checked_file_is_imported(app):
    http = browser(app, admin(app, "boss", "user_admin"))
    job_id = _job_id(_upload(http, CSV + BAD_ROWS))
    waiting = text(http.get(f"/admin/import/{job_id}"))
    assert '<meta http-equiv="refresh" content="2">' in waiting and "<progress" in waiting
    assert 'id="cancel"' in waiting
    worker = ImportWorker(app)
    assert worker.run_once() and not worker.run_once()

    checked = text(http.get(f"/admin/import/{job_id}"))
    assert 'http-equiv="refresh"' not in checked and "nothing has been imported yet" in checked
    counts = checked.split('id="import-counts"', 1)[1].split("</table>", 1)[0]
    assert "<td>Would be created</td><td>2</td>" in counts
    assert "<td>Invalid</td><td>6</td>" in counts and "Created" not in counts
    assert "010203-1234" not in checked and _people(app) == 0

    refused = _post(http, f"/admin/import/{job_id}/run")  # invalid rows, not skipped
    assert refused.status_code == 303 and worker.run_once()
    again = text(http.get(f"/admin/import/{job_id}"))
    assert "nothing is imported unless you skip them" in again and _people(app) == 0

    assert _post(http, f"/admin/import/{job_id}/run", skip_invalid="1").status_code == 303
    assert "Being imported" in text(http.get(f"/admin/import/{job_id}"))
    assert worker.run_once()
    done = text(http.get(f"/admin/import/{job_id}"))
    result = done.split('id="import-result"', 1)[1].split("</table>", 1)[0]
    assert "<td>Created</td><td>2</td>" in result and "The file was imported." in done
    assert _people(app) == 2 and _job(app, job_id).data is None  # the CPRs go with the job
    assert _post(http, f"/admin/import/{job_id}/cancel").status_code == 409


def test_reasons_are_given_paged_and_in_the_report_in_the_admins_language(app):
    http = browser(app, admin(app, "boss", "user_admin"))
    many = b"".join(b"%d,Person %d,p%d@example.dk,999999-0000\n" % (i, i, i) for i in range(120))
    formula_mail = b"90 09,Hal Mail,=1+2@example.dk,\n"  # a bad RID: in the report
    job_id = _job_id(_upload(http, CSV + BAD_ROWS + formula_mail + many))
    ImportWorker(app).run_once()
    first = text(http.get(f"/admin/import/{job_id}"))
    assert first.count("<tr><td>") == 5 + 50  # the summary and 50 rows
    assert "cpr: the date part (day and month) is impossible" in first
    assert "email: not a valid e-mail address" in first and "rid: 1-40 letters" in first
    assert "name: starts with = + - @, a tab or a line break (a formula)" in first
    assert "email: appears more than once in the file" in first
    last = text(http.get(f"/admin/import/{job_id}?page=3"))
    assert "Page 3 of 3" in last and last.count("<tr><td>") == 5 + 27
    assert http.get(f"/admin/import/{job_id}?page=4").status_code == 400

    report = http.get(f"/admin/import/{job_id}/report.csv", headers={"Accept-Language": "da"})
    assert report.headers["Content-Type"].startswith("text/csv")
    lines = report.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Linje;Brugernavn;E-mail;RID;Problemer" and len(lines) == 1 + 127
    assert "HYPERLINK" not in report.get_data(as_text=True)  # names are refused, not shown
    formula = next(line for line in lines if line.startswith("7;"))
    assert formula.endswith(
        ";9006;name: begynder med = + - @, et tabulatortegn eller et linjeskift (en formel)"
    )
    assert next(line for line in lines if line.startswith("10;")).startswith("10;;'=1+2@")


def test_a_windows_1252_file_is_converted_after_the_admin_agrees(app):
    http = browser(app, admin(app, "boss", "user_admin"))
    content = "rid;name;email\n1;Søren Æbelø Åberg;soren@example.dk\n".encode("cp1252")
    job_id = _job_id(_upload(http, content))
    page = text(http.get(f"/admin/import/{job_id}"))
    assert "Windows-1252" in page and 'id="convert"' in page and "CSV UTF-8" in page
    assert not ImportWorker(app).run_once()  # nothing runs before the admin agrees
    assert _post(http, f"/admin/import/{job_id}/convert").status_code == 303
    worker = ImportWorker(app)
    assert worker.run_once()
    assert "<td>Would be created</td><td>1</td>" in text(http.get(f"/admin/import/{job_id}"))
    _post(http, f"/admin/import/{job_id}/run")
    worker.run_once()
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.rid == "1")) == "Søren Æbelø Åberg"

    unreadable = _upload(http, b"rid;name;email\n1;A\x81;a@example.dk\n")  # not cp1252 either
    assert unreadable.status_code == 400 and "CSV UTF-8" in text(unreadable)


def test_a_cancelled_check_stops_and_two_claimers_have_one_winner(app):
    http = browser(app, admin(app, "boss", "user_admin"))
    job_id = _job_id(_upload(http, CSV))
    with app.app_context():
        seen = import_jobs.waiting_jobs()  # two nodes see the job waiting at once
        assert seen == [(job_id, "queued")] and import_jobs.waiting_jobs() == seen
        assert import_jobs.claim(job_id, "queued", "node-a")
        assert not import_jobs.claim(job_id, "queued", "node-b")
        assert import_jobs.claim_next("node-b") is None
    assert _post(http, f"/admin/import/{job_id}/cancel").status_code == 303
    with app.app_context():
        import_jobs.run_job(job_id, "node-a")  # the claimer finds it cancelled: stops
        assert db.session.scalar(select(func.count()).select_from(ImportJobRow)) == 0
    job = _job(app, job_id)
    assert job.status == "cancelled" and job.data is None and job.summary == {}
    assert "Cancelled" in text(http.get(f"/admin/import/{job_id}"))
    assert _post(http, f"/admin/import/{job_id}/run").status_code == 409


def test_another_organisations_job_is_not_found(app):
    http = browser(app, admin(app, "boss", "user_admin"))
    job_id = _job_id(_upload(http, CSV))
    other = browser(app, admin(app, "eve", "user_admin", cvr="87654321"))
    assert other.get(f"/admin/import/{job_id}").status_code == 404
    assert other.get(f"/admin/import/{job_id}/report.csv").status_code == 404
    assert _post(other, f"/admin/import/{job_id}/cancel").status_code == 404


def test_summary_and_invalid_row_pages_stay_small_for_5000_rows(app):
    http = browser(app, admin(app, "boss", "user_admin"))
    rows = b"".join(
        b"%d,Person %d,%s,\n" % (i, i, b"bad" if i % 2 else b"p%d@example.dk" % i)
        for i in range(5000)
    )
    job_id = _job_id(_upload(http, b"rid,name,email,cpr\n" + rows))
    ImportWorker(app).run_once()
    page = http.get(f"/admin/import/{job_id}")
    assert "<td>Invalid</td><td>2500</td>" in text(page)
    assert len(page.get_data()) < 60_000


def test_the_command_line_import_shares_the_rules(app, tmp_path):
    make_org(app, "12345678")
    runner = app.test_cli_runner()
    formula = tmp_path / "formula.csv"
    formula.write_text("rid,name,email\n1,@SUM(A1),a@example.dk\n2,Bo Holm,bo@example.dk\n")
    refused = runner.invoke(args=["users", "import", str(formula), "--org", "12345678"])
    assert refused.exit_code == 1 and "name: starts with = + - @" in refused.output
    latin = tmp_path / "latin.csv"
    latin.write_bytes("rid;name;email\n1;Åse Ørum;aase@example.dk\n".encode("cp1252"))
    hinted = runner.invoke(args=["users", "import", str(latin), "--org", "12345678"])
    assert hinted.exit_code == 1 and "--encoding cp1252" in hinted.output
    args = ["users", "import", str(latin), "--org", "12345678", "--encoding", "cp1252"]
    assert runner.invoke(args=args).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.rid == "1")) == "Åse Ørum"


def test_a_check_cancelled_while_it_runs_leaves_no_summary(app, monkeypatch):
    http = browser(app, admin(app, "boss", "user_admin"))
    job_id = _job_id(_upload(http, CSV + BAD_ROWS))
    real = import_jobs.import_users

    def cancelled_meanwhile(*args: Any, **kwargs: Any) -> Any:
        report = real(*args, **kwargs)
        import_jobs.cancel(import_jobs.get_job(args[0], job_id))  # the admin's click
        return report

    monkeypatch.setattr(import_jobs, "import_users", cancelled_meanwhile)
    assert ImportWorker(app).run_once()
    job = _job(app, job_id)
    assert job.status == "cancelled" and job.summary == {} and job.worker is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ImportJobRow)) == 0
