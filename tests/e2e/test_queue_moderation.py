"""The review queue in a browser: a member flags a reply; the moderator's open queue page
shows it live; the moderator rejects it with a reason and the post is hidden."""

from playwright.sync_api import expect

from tests.e2e.world import open_live, person


def test_flag_shows_live_in_the_queue_and_is_rejected(new_context, daphne_server, world):
    slug = world["urls"]["talk"].split("/")[2]
    moderator = person(new_context, daphne_server, world, "manager")
    open_live(moderator, f"/c/{slug}/moderation/queue/")
    expect(moderator.get_by_text("Nothing to review.")).to_be_visible()

    member = person(new_context, daphne_server, world, "member")
    member.goto(world["urls"]["talk"])
    reply = member.locator("article.post", has_text="Wax, every 300 km.")
    reply.get_by_text("Flag", exact=True).click()
    reply.get_by_label("Spam").check()
    reply.get_by_label("Note for the moderators").fill("Looks like an advert")
    reply.get_by_role("button", name="Send to the moderators").click()
    expect(member.get_by_text("Thank you: the moderators will review it.")).to_be_visible()

    # Live, without a reload: the flagged reply appears in the queue.
    item = moderator.locator(".queue-item", has_text="Wax, every 300 km.")
    expect(item).to_be_visible()
    expect(item).to_contain_text("Looks like an advert")
    assert moderator.evaluate("window.sameDocument") is True

    item.locator("[data-reject] input[name=reason]").fill("Adverts are not allowed here.")
    item.get_by_role("button", name="Reject").click()
    expect(moderator.get_by_text("Rejected: the author was told why.")).to_be_visible()
    expect(moderator.get_by_text("Nothing to review.")).to_be_visible()

    member.reload()
    expect(member.locator("article.post", has_text="Wax, every 300 km.")).to_have_count(0)
