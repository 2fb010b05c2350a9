"""What `aigc-bot demo` shows: its sample product photo, the stand-ins' "generated" images, and the thread as
it unfolds in the stand-in Slack, printed and saved to files. The run itself lives in handlers/demo.py."""
