"""Following submitted tasks until their images are in the thread: when to look (schedule, polling), who looks
(leases in bot.store), finding a billed task whose TaskId was lost (recovery), and the follower itself.
"""
