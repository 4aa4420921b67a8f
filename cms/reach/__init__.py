"""The "Reach" tab of a content page in the admin: who it reaches and what they did.

Content-to-conversation attribution: next to eligible members, views, reveals and
registrations, the tab shows the discussion thread the page opened and its replies.
The tab itself is ``cms.panels.ReachPanel``; its figures are ``cms.reach.figures``,
registered with ``cms.models.plugins`` (the models cannot import this part).
"""
