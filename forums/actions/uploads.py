"""Uploading an image for posts: rate-limited, re-encoded, stored outside ``MEDIA_ROOT``."""

import secrets

from django.core.files.base import ContentFile
from django.db import transaction

from community import activity
from forums import images, permissions
from forums.models import PostImage


def upload_image(actor, community, *, file):
    """Store the picture in ``file``, an upload, for posts in ``community``; return its PostImage.

    ``forums.permissions.check_upload_image`` decides, before the upload is
    decoded: the actor takes part in the community and, staff apart, uploaded
    fewer than ``POST_IMAGES_PER_HOUR`` images in the last hour (``Forbidden``,
    code ``rate_limited``). ``forums.images.process_post_image``
    checks and re-encodes it, raising ``ValidationError`` with a code that says
    why it was refused. The file is written before the row, so that no row
    lacks its file, and removed again if the row is not written.
    """
    permissions.check_upload_image(actor, community)
    processed = images.process_post_image(file)
    image = PostImage(
        key=secrets.token_hex(16),
        community=community,
        owner=actor,
        width=processed.width,
        height=processed.height,
        byte_size=len(processed.data),
    )
    storage = images.storage()
    name = storage.save(image.path, ContentFile(processed.data))
    try:
        with transaction.atomic():
            # Should two keys ever collide, the storage would have renamed the second
            # file and the unique key refuses the row: ``name`` is what to delete.
            image.save()
            activity.record(
                "image.uploaded",
                actor=actor,
                community=community,
                obj=image,
                width=image.width,
                height=image.height,
                bytes=image.byte_size,
            )
    except BaseException:
        storage.delete(name)
        raise
    return image
