import unittest

from anagrams import group_anagrams


class AnagramTest(unittest.TestCase):
    def test_groups(self):
        words = ["listen", "Google", "Silent", "enlist", "banana", "gogole"]
        self.assertEqual(
            group_anagrams(words),
            [["listen", "Silent", "enlist"], ["Google", "gogole"], ["banana"]],
        )

    def test_empty(self):
        self.assertEqual(group_anagrams([]), [])
