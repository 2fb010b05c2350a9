"""Following submitted tasks until their images are in the thread: when to look (schedule, scheduler),
one check (checking), progress in the parent (progress), finding a billed task whose TaskId was lost (recovery,
lookups), results into the thread (delivery), event mode (events), and the Follower that ties them together.
Leases and every query of the log live in bot.store (leases, following).
"""
