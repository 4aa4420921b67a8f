from django.conf import settings


def site(request):
    """What every page's chrome needs: the brand's name."""
    return {"BRAND_NAME": settings.BRAND_NAME}
