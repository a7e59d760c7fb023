"""gunicorn's settings for the portal, read from the working folder: `make serve`, deploy/portal-web.service
and the benches all start gunicorn in the project's folder, so every worker is warmed the same way."""


def post_worker_init(worker):
    """Read what a process's first search reads (jieba's dictionary, the index's columns and titles: about a
    second) before the worker takes its first request, so no visitor waits for it."""
    app = worker.wsgi
    if "portal_db" not in getattr(app, "extensions", {}):  # another app served from this folder (a bench's)
        return
    from portal import search

    try:
        with app.app_context():
            search.engine().warm()
    except Exception:  # a cold first search is slower, not wrong: the worker serves anyway
        worker.log.exception("search warm-up failed")
