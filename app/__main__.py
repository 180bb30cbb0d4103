from .main import serve_web

serve_web()
