def serve_home(page, request):
    raise NotImplementedError
