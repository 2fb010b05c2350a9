"""What `aigc-bot demo` shows: its sample product photo, the stand-ins' "generated" images, and the thread as
it unfolds in the stand-in Slack, printed and saved to files. The run itself lives in handlers/demo.py."""

from pathlib import Path

# Where the demo saves what it made, under the folder it runs in.
DEMO_FOLDER = Path("aigc-demo")
