"""The web UI (Gradio). `python -m ui` or `make run`; build it in code with `ui.app.create_app(assistant)`.

gradio is imported only inside this package, and only when `ui.app` is imported.
"""
