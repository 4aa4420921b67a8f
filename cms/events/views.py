def page_context(page, request):
    return {}
