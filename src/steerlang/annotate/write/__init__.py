"""Write language columns into a dataset's shards, atomically and resumably."""
