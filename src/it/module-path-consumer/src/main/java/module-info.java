/** A driver-style module that uses wsk4j from the module path. */
module org.example.consumer {
    requires org.wsk4j;

    exports org.example.consumer;
}
