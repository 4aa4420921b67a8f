"""Consumer dispatch without a thread hop for messages that only push to the socket.

Since Channels 4.2, ``AsyncConsumer.dispatch()`` awaits
``aclose_old_connections()`` before every handler: a trip through asgiref's
one process-wide sync thread (``sync_to_async``, thread-sensitive), for each
message of each socket. For an event fanned out to 1,000 sockets that is
1,000 trips through the thread Django's sync views also use, about 40 % of
the server's CPU during a fan-out, although relaying an event does not touch
the database.

``PushDispatchMixin`` calls the handlers of the message types listed in
``push_handlers`` directly and sends every other message (``websocket.*``,
handlers that work with the database) through Channels' own ``dispatch()``.
A handler listed there must not use the ORM on the event loop's side; an
occasional ``database_sync_to_async`` call is fine (it closes stale
connections itself, before and after, in the thread it runs in), as
``stream_event`` does when it fills a gap from the outbox. Re-check on
upgrade: ``dispatch`` is not a documented extension point (channels 4.3.2,
``channels/consumer.py``).
"""

from channels.consumer import get_handler_name


class PushDispatchMixin:
    """Put before the consumer class: ``class C(PushDispatchMixin, AsyncWebsocketConsumer)``.

    ``push_handlers`` holds message types (``"stream.event"``), not handler
    names; a type without a handler on the class is refused when the class
    is defined.
    """

    push_handlers = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        missing = [
            kind
            for kind in sorted(cls.push_handlers)
            if not callable(getattr(cls, get_handler_name({"type": kind}), None))
        ]
        if missing:
            raise TypeError(f"{cls.__name__}.push_handlers lists types without handlers: {missing}")

    async def dispatch(self, message):
        if message.get("type") in self.push_handlers:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)
