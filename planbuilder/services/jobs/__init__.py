"""Background work: documents rendered by a worker instead of inside a web request.

queue.py carries a job's id to a worker (RQ on Redis in production, a thread inside the app process in the
embedded default); runner.py claims and runs a job, keeps its heartbeat and hands out again the jobs whose
worker died. What a job does is services/documents/preparation.py. Lighter background work (delivering mail)
rides along: a task is a function's name given to the same worker (queue.submit_task), and work that must
happen eventually whatever the queue did registers with the sweep (runner.on_sweep).
"""
