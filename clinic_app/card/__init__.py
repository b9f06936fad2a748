"""Smart-card readers through PC/SC (pyscard): the Thai national ID card."""
