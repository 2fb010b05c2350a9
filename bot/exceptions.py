"""The root of every exception the project raises, and the whole tree, each class with its home:

BotError
├── AigcBotError             bot/errors.py           a failure with a code from the advice table; people
│   │                                                are shown its user_text(), logs its technical message
│   ├── VodError             bot/tencent/vod.py      Tencent refused, or the call's fate is unknown
│   │   └── AlreadySubmitted bot/tencent/vod.py      Tencent already holds a task for this SessionId
│   ├── CosUploadError       bot/tencent/cos.py      the upload to COS failed
│   ├── SlackFileError       bot/slack/files.py      a shared file that cannot be used (also a ValueError)
│   └── SlackDownloadFailed  bot/slack/files.py      Slack did not hand over a shared file
├── ConfigError              bot/config.py           settings that cannot be used
├── TokenRejected            bot/slack/auth.py       Slack refused a token for good
├── SlackUnreachable         bot/slack/auth.py       one attempt to reach Slack failed in a way that may pass
├── SlackUnavailable         bot/slack/conversation.py  Slack would not take a message even after retries
├── TaskStillRunning         bot/follow/polling.py   a task still running when a wait for it ran out
├── BackupRefused            bot/store/backup.py     a backup that was not taken
├── LogCommandError          bot/log_commands.py     input a log command (export, stats, ...) cannot use
└── input a person can fix, each also a ValueError:
    ├── CommandError         bot/slack/command_text.py  a Slack command or form that breaks a rule
    ├── BatchFileError       bot/slack/batch_text.py  a CSV file that cannot be read as a batch
    ├── BadRef               bot/slack/refs.py       an image reference that cannot be used
    ├── RequestInvalid       bot/tencent/models.py   a request that breaks a rule, one line per mistake
    ├── NotAnImage           bot/tencent/imagetype.py  bytes that are not a JPEG, PNG or WebP image
    ├── ImageTooLarge        bot/tencent/upload.py   an image over the upload limit
    ├── DownloadTooLarge     bot/slack/files.py      a download that grew past its size limit
    └── BadInput             handlers/cli.py         command-line input, said in one sentence

Catching `BotError` catches everything the bot raises on purpose; anything else is a bug. The classes that
are also ValueError stay catchable as such where a library expects it (pydantic validators, for one).
"""

from __future__ import annotations


class BotError(Exception):
    """The root of every exception defined in bot/ and handlers/ (the tree is drawn above)."""
