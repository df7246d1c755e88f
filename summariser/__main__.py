from summariser.cli import main

main()
