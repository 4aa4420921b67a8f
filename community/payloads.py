"""Shapes of community objects as stream events and the API carry them."""


def membership_data(membership):
    return {
        "community": membership.community.slug,
        "username": membership.user.username,
        "role": membership.role,
        "state": membership.state,
    }
