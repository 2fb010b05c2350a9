"""Every sentence the bot shows, in one place, by the surface that shows it (see docs/wording.md).

Code refers to a sentence by its name (`wording.slack.NOT_A_MEMBER`); templates are filled with
`.format(name=value)`. Nothing here decides anything: changing a sentence here changes it everywhere.
"""

from bot.wording import batches, connections, form, images, metrics, rules, slack, tencent_advice, terminal

__all__ = ["batches", "connections", "form", "images", "metrics", "rules", "slack", "tencent_advice", "terminal"]
