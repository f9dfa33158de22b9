from benchmarks.loadtest.run import main

main()
