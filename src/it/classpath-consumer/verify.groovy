// The checks shared by both consumers (itSources: src/it, a script variable set in wsk4j's pom.xml).
return evaluate(new File(itSources, "verify-consumer.groovy"))
